// msgpackr requires this inside try/catch and falls back to its JavaScript decoder when it throws
throw new Error('msgpackr-extract is not installed: msgpackr uses its JavaScript decoder')
