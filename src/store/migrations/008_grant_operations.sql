-- A grant of a published service may narrow it to some of its operations (operationIds). NULL: all of them.
ALTER TABLE grants ADD COLUMN operations text[];
