import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLocalJWKSet, type JSONWebKeySet } from 'jose'
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment'
import { HorizontalPodAutoscaler, type IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'
import { NetworkPolicy, type INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy'
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { Namespace } from 'kubernetes-models/v1/Namespace'
import { Secret, type ISecret } from 'kubernetes-models/v1/Secret'
import { Service, type IService } from 'kubernetes-models/v1/Service'
import { validate as deploymentSchema } from 'kubernetes-models/_schemas/IoK8sApiAppsV1Deployment'
import { validate as hpaSchema } from 'kubernetes-models/_schemas/IoK8sApiAutoscalingV2HorizontalPodAutoscaler'
import { validate as networkPolicySchema } from 'kubernetes-models/_schemas/IoK8sApiNetworkingV1NetworkPolicy'
import { validate as pdbSchema } from 'kubernetes-models/_schemas/IoK8sApiPolicyV1PodDisruptionBudget'
import { validate as configMapSchema } from 'kubernetes-models/_schemas/IoK8sApiCoreV1ConfigMap'
import { validate as namespaceSchema } from 'kubernetes-models/_schemas/IoK8sApiCoreV1Namespace'
import { validate as secretSchema } from 'kubernetes-models/_schemas/IoK8sApiCoreV1Secret'
import { validate as serviceSchema } from 'kubernetes-models/_schemas/IoK8sApiCoreV1Service'
import t from 'tap'
import YAML from 'yaml'
import { loadGrantsFile } from '../../src/auth/grants.js'
import { ENV_SCHEMA, loadConfig } from '../../src/config/index.js'
import { GATEWAY_GRACE_MS, WORKER_GRACE_MS } from '../../src/grace.js'
import { projectRoot } from '../../src/paths.js'

// No cluster here: every manifest is checked against the Kubernetes OpenAPI schemas (kubernetes-models), then the
// cross-references no schema sees — against the gateway's own config schema, loader and shutdown timings.

const DIR = join(projectRoot, 'deploy', 'kubernetes')
const NAMESPACE = 'lgsp'

/** The kinds the manifests may hold: the model (validate()) and its raw schema function (for unknown fields). */
const KINDS: Record<string, { model: new (data: never) => { validate: () => void }, schema: (data: unknown) => boolean, namespaced: boolean }> = {
  'v1/Namespace': { model: Namespace, schema: namespaceSchema, namespaced: false },
  'v1/ConfigMap': { model: ConfigMap, schema: configMapSchema, namespaced: true },
  'v1/Secret': { model: Secret, schema: secretSchema, namespaced: true },
  'v1/Service': { model: Service, schema: serviceSchema, namespaced: true },
  'apps/v1/Deployment': { model: Deployment, schema: deploymentSchema, namespaced: true },
  'autoscaling/v2/HorizontalPodAutoscaler': { model: HorizontalPodAutoscaler, schema: hpaSchema, namespaced: true },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, schema: pdbSchema, namespaced: true },
  'networking.k8s.io/v1/NetworkPolicy': { model: NetworkPolicy, schema: networkPolicySchema, namespaced: true }
}

interface Manifest { file: string, doc: { apiVersion: string, kind: string, metadata?: { name?: string, namespace?: string } } }

async function loadManifests (): Promise<Manifest[]> {
  const manifests: Manifest[] = []
  for (const file of (await readdir(DIR)).filter((name) => /\.ya?ml$/.test(name) && name !== 'kustomization.yaml').sort()) {
    for (const document of YAML.parseAllDocuments(await readFile(join(DIR, file), 'utf8'))) {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map(String).join('; ')}`)
      const doc = document.toJS() as Manifest['doc'] | null
      if (doc !== null) manifests.push({ file, doc })
    }
  }
  return manifests
}

/**
 * Fields the schema does not declare. The generated validators accept them (the OpenAPI schemas do not forbid
 * extra properties), while `kubectl apply` rejects them (strict field validation) or, worse, an indentation slip
 * moves a setting where it silently does nothing. The validator reads each property it declares; a field it
 * never read is unknown (maps such as labels are iterated, so their keys count as read).
 */
function unknownFields (schema: (data: unknown) => boolean, doc: unknown): string[] {
  const read = new WeakMap<object, Set<PropertyKey>>()
  const proxies = new WeakMap<object, object>()
  const mark = (target: object, key: PropertyKey): void => {
    const keys = read.get(target) ?? new Set()
    keys.add(key)
    read.set(target, keys)
  }
  const wrap = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value
    let proxy = proxies.get(value)
    if (proxy === undefined) {
      proxy = new Proxy(value, {
        get (target, key, receiver) { mark(target, key); return wrap(Reflect.get(target, key, receiver)) },
        ownKeys (target) { for (const key of Reflect.ownKeys(target)) mark(target, key); return Reflect.ownKeys(target) }
      })
      proxies.set(value, proxy)
    }
    return proxy
  }
  schema(wrap(doc))
  const unknown: string[] = []
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) value.forEach((item, i) => { walk(item, `${path}/${i}`) })
    else if (value !== null && typeof value === 'object') {
      const seen = read.get(value) ?? new Set()
      for (const [key, child] of Object.entries(value)) {
        if (seen.has(key)) walk(child, `${path}/${key}`)
        else unknown.push(`${path}/${key}`)
      }
    }
  }
  walk(doc, '')
  return unknown
}

const manifests = await loadManifests()
// the variables src/config/ reads, with their `pattern`s
const schemaProperties = new Map<string, { pattern?: string }>(Object.entries(ENV_SCHEMA.properties)
  .map(([name, definition]) => [name, 'pattern' in definition ? { pattern: definition.pattern } : {}]))

function find<T> (kind: string, name: string): T {
  const found = manifests.find(({ doc }) => doc.kind === kind && doc.metadata?.name === name)
  if (found === undefined) throw new Error(`no ${kind} ${name} in deploy/kubernetes`)
  return found.doc as T
}

const gateway = find<IDeployment>('Deployment', 'lgsp-gateway')
const worker = find<IDeployment>('Deployment', 'lgsp-worker')
const config = find<IConfigMap>('ConfigMap', 'lgsp-config')
const files = find<IConfigMap>('ConfigMap', 'lgsp-files')
const secret = find<ISecret>('Secret', 'lgsp-secrets')

type PodSpec = NonNullable<NonNullable<NonNullable<IDeployment['spec']>['template']>['spec']>
type Container = PodSpec['containers'][number]
const podSpec = (deployment: IDeployment): PodSpec => deployment.spec?.template.spec as PodSpec
const podLabels = (deployment: IDeployment): Record<string, string> => deployment.spec?.template.metadata?.labels ?? {}
const containerOf = (deployment: IDeployment): Container => podSpec(deployment).containers[0] as Container
const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>): boolean =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value)
/** A container port by name or number. */
const portOf = (container: Container, port: string | number | undefined): number | undefined =>
  container.ports?.find((p) => p.name === port || p.containerPort === port)?.containerPort

/** What the pods' environment is: every envFrom source (ConfigMap data, Secret stringData/data) and env entry. */
function environment (deployment: IDeployment): Record<string, string> {
  const container = containerOf(deployment)
  const env: Record<string, string> = {}
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef !== undefined) Object.assign(env, find<IConfigMap>('ConfigMap', source.configMapRef.name ?? '').data)
    if (source.secretRef !== undefined) {
      const from = find<ISecret>('Secret', source.secretRef.name ?? '')
      Object.assign(env, Object.fromEntries(Object.entries(from.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])), from.stringData)
    }
  }
  for (const variable of container.env ?? []) env[variable.name] = variable.value ?? ''
  return env
}

/**
 * What src/config/ treats as secret: credentials by name, and the connection strings that carry a password in
 * their URL (the schema's postgres:// and redis:// patterns).
 */
function isSecret (name: string): boolean {
  const pattern = schemaProperties.get(name)?.pattern ?? ''
  return /(SECRET|PASSWORD|API_KEY|TOKEN)$/.test(name) || /^\^(postgres|rediss)/.test(pattern)
}

t.test('every manifest is a valid Kubernetes object (kubernetes-models: the API\'s OpenAPI schemas)', async (t) => {
  t.ok(manifests.length >= 10, `${manifests.length} objects`)
  for (const { file, doc } of manifests) {
    const where = `${file}: ${doc.kind} ${doc.metadata?.name ?? '(no name)'}`
    const kind = KINDS[`${doc.apiVersion}/${doc.kind}`]
    if (kind === undefined) {
      t.fail(`${where}: ${doc.apiVersion} ${doc.kind} is not a kind this test knows`)
      continue
    }
    // eslint-disable-next-line new-cap -- the kind's class is held in its `model` field
    t.doesNotThrow(() => { new kind.model(doc as never).validate() }, `${where} matches its schema`)
    t.same(unknownFields(kind.schema, doc), [], `${where} has no field its schema does not declare`)
    t.match(doc.metadata?.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${where} is named`)
    if (kind.namespaced) t.equal(doc.metadata?.namespace, NAMESPACE, `${where} is in namespace ${NAMESPACE}`)
  }
  const names = manifests.map(({ doc }) => `${doc.kind}/${doc.metadata?.name ?? ''}`)
  t.same(names.filter((name, i) => names.indexOf(name) !== i), [], 'no two objects of one kind share a name')
})

t.test('kustomization.yaml applies every manifest in the namespace, with one image for both deployments', async (t) => {
  const kustomization = YAML.parse(await readFile(join(DIR, 'kustomization.yaml'), 'utf8')) as {
    kind: string, namespace: string, resources: string[], images?: Array<{ name: string, newName?: string, newTag?: string }>
  }
  t.equal(kustomization.kind, 'Kustomization')
  t.equal(kustomization.namespace, NAMESPACE)
  t.same([...kustomization.resources].sort(), [...new Set(manifests.map(({ file }) => file))].sort(), 'resources lists exactly the manifest files')
  const images = new Set([gateway, worker].map((deployment) => containerOf(deployment).image?.replace(/:[^:/]+$/, '')))
  t.same([...images], ['lgsp-gateway'], 'gateway and worker run the same image (the Dockerfile\'s)')
  t.match(kustomization.images, [{ name: 'lgsp-gateway', newName: String, newTag: String }], 'which kustomize points at the registry')
})

t.test('the validator fails a broken Deployment', async (t) => {
  const broken = structuredClone(gateway) as unknown as { spec: Record<string, unknown> }
  broken.spec.replicas = '2'
  t.throws(() => { new Deployment(broken as never).validate() }, { message: /replicas must be integer/ }, 'a string replica count')
  const noContainers = structuredClone(gateway) as unknown as { spec: { template: { spec: Record<string, unknown> } } }
  delete noContainers.spec.template.spec.containers
  t.throws(() => { new Deployment(noContainers as never).validate() }, { message: /must have required property '?containers/ }, 'a pod without containers')
  const misspelt = structuredClone(gateway) as unknown as { spec: Record<string, unknown> & { template: { spec: { containers: Array<Record<string, unknown>> } } } }
  misspelt.spec.replica = 3
  const [container] = misspelt.spec.template.spec.containers
  if (container !== undefined) container.readinesProbe = container.readinessProbe
  t.doesNotThrow(() => { new Deployment(misspelt as never).validate() }, 'the schema alone lets unknown fields through')
  t.same(unknownFields(deploymentSchema, misspelt).sort(), ['/spec/replica', '/spec/template/spec/containers/0/readinesProbe'], 'the unknown-field check does not')
})

t.test('every variable set is one src/config/ reads, and together they make a valid production configuration', async (t) => {
  t.ok(schemaProperties.size > 50 && schemaProperties.has('POPULATION_URL'), 'the env schema was read from src/config/')
  for (const deployment of [gateway, worker]) {
    const env = environment(deployment)
    const name = deployment.metadata?.name ?? ''
    // a variable outside the schema may still be read: the SECTOR_UPSTREAM_<NAME>_* and SYNC_CRON_<SYNC> families
    const changes = (variable: string): boolean => {
      const without = { ...env }
      delete without[variable]
      try {
        return JSON.stringify(loadConfig(without)) !== JSON.stringify(loadConfig(env))
      } catch {
        return true
      }
    }
    for (const variable of Object.keys(env)) {
      t.ok(schemaProperties.has(variable) || changes(variable), `${name}: ${variable} is a variable of src/config/`)
    }
    const loaded = loadConfig(env)
    t.equal(loaded.demo, false, `${name}: production mode`)
    // production mode also requires Redis (loadConfig refuses it without), so loading is the proof of that
    t.equal(loaded.store.driver, 'postgres', `${name}: the store is PostgreSQL`)
    t.equal(loaded.syncs.embeddedWorker, false, `${name}: syncs run in lgsp-worker, not inside the gateway`)
    t.ok(loaded.sector.cursorSecret, `${name}: one cursor secret for every replica`)
    t.match(loaded.sector.upstreams, { health: { url: /^https:/, apiKey: String } }, `${name}: the REST dataset's upstream (sector/datasets) is set`)
    t.match(loaded.syncs.portal, { url: /^https:/, username: String, password: String }, `${name}: the dossier-status sync's portal is set`)
  }
  t.equal(loadConfig(environment(gateway)).port, portOf(containerOf(gateway), 'http'), 'PORT is the container port')
  const overlap = Object.keys(config.data ?? {}).filter((name) => Object.hasOwn(secret.stringData ?? {}, name))
  t.same(overlap, [], 'no variable is in both the ConfigMap and the Secret (one would silently win)')
})

t.test('secrets are in the Secret, as placeholders, and nowhere else', async (t) => {
  const secretNames = Object.keys(secret.stringData ?? {})
  t.notOk(secret.data, 'stringData only, readable placeholders')
  for (const name of ['POPULATION_SECRET', 'PROCEDURES_API_KEY', 'DATABASE_URL', 'REDIS_URL', 'SECTOR_CURSOR_SECRET', 'NATIONAL_PORTAL_PASSWORD', 'SECTOR_UPSTREAM_HEALTH_API_KEY']) {
    t.ok(secretNames.includes(name), `${name} is in the Secret`)
  }
  for (const name of secretNames) t.ok(isSecret(name), `${name} is a secret (non-secret settings belong in the ConfigMap)`)
  for (const [name, value] of Object.entries(secret.stringData ?? {})) t.match(value, /change-me/, `${name} is a change-me placeholder`)
  for (const name of Object.keys(config.data ?? {})) t.notOk(isSecret(name), `the ConfigMap's ${name} is not a secret`)
  for (const deployment of [gateway, worker]) {
    for (const variable of containerOf(deployment).env ?? []) t.notOk(variable.value !== undefined && isSecret(variable.name), `${variable.name} is not written into the Deployment`)
  }
  // the manifests hold no secret anywhere else either: a placeholder only appears in the Secret
  for (const { file, doc } of manifests) {
    if (doc.kind !== 'Secret') t.notMatch(JSON.stringify(doc), /change-me-[a-z-]*(secret|password|key)/, `${file} ${doc.metadata?.name ?? ''} holds no secret`)
  }
})

t.test('the gateway reads its keys and grants from the mounted ConfigMap, and both load', async (t) => {
  const env = environment(gateway)
  const container = containerOf(gateway)
  const volumes = podSpec(gateway).volumes ?? []
  /** The ConfigMap key a path inside the container comes from. */
  const mountedKey = (path: string): { configMap: string, key: string } | undefined => {
    for (const mount of container.volumeMounts ?? []) {
      if (!path.startsWith(`${mount.mountPath}/`)) continue
      const volume = volumes.find((v) => v.name === mount.name)
      const relative = path.slice(mount.mountPath.length + 1)
      const item = volume?.configMap?.items?.find((i) => i.path === relative)
      if (volume?.configMap !== undefined) return { configMap: volume.configMap.name ?? '', key: item?.key ?? relative }
    }
    return undefined
  }
  const dir = await mkdtemp(join(tmpdir(), 'lgsp-k8s-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))

  const jwks = mountedKey(env.AUTH_JWKS_FILE ?? '')
  t.same(jwks, { configMap: 'lgsp-files', key: 'jwks.json' }, 'AUTH_JWKS_FILE is the mounted jwks.json')
  const keySet = JSON.parse(files.data?.['jwks.json'] ?? '') as JSONWebKeySet
  t.doesNotThrow(() => createLocalJWKSet(keySet), 'a JSON Web Key Set jose accepts')
  for (const key of keySet.keys) {
    t.same(['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].filter((member) => Object.hasOwn(key, member)), [], `key ${key.kid ?? '?'} is public`)
  }

  const grants = mountedKey(env.GRANTS_FILE ?? '')
  t.same(grants, { configMap: 'lgsp-files', key: 'grants.yaml' }, 'GRANTS_FILE is the mounted grants.yaml')
  const grantsFile = join(dir, 'grants.yaml')
  await writeFile(grantsFile, files.data?.['grants.yaml'] ?? '')
  const clients = await loadGrantsFile(grantsFile)
  t.ok(clients.some((client) => client.admin === true && client.status === 'active'), 'the gateway\'s own loader accepts it, with an administrator to manage the rest')

  for (const mount of container.volumeMounts ?? []) t.ok(volumes.some((v) => v.name === mount.name), `volume ${mount.name} exists`)
  for (const volume of volumes) {
    if (volume.configMap === undefined) continue
    const data = find<IConfigMap>('ConfigMap', volume.configMap.name ?? '').data ?? {}
    for (const item of volume.configMap.items ?? []) t.ok(Object.hasOwn(data, item.key), `${volume.configMap.name ?? ''} has ${item.key}`)
  }
})

t.test('probes: readiness on /readyz?scope=local, liveness and startup on /healthz, all on the container port', async (t) => {
  const container = containerOf(gateway)
  const port = loadConfig(environment(gateway)).port
  t.equal(container.readinessProbe?.httpGet?.path, '/readyz?scope=local', 'readiness leaves out the upstreams every replica shares')
  t.equal(container.livenessProbe?.httpGet?.path, '/healthz')
  t.equal(container.startupProbe?.httpGet?.path, '/healthz', 'startup: the process answers, whatever its dependencies')
  for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
    t.equal(portOf(container, probe?.httpGet?.port), port, `${probe?.httpGet?.path ?? '?'} on port ${port}`)
  }
  const startupBudget = (container.startupProbe?.periodSeconds ?? 10) * (container.startupProbe?.failureThreshold ?? 3)
  t.ok(startupBudget >= 60, `${startupBudget} s to start (migrations) before liveness takes over`)

  const workerContainer = containerOf(worker)
  t.same(workerContainer.ports ?? [], [], 'the worker serves no port')
  for (const probe of [workerContainer.readinessProbe, workerContainer.livenessProbe, workerContainer.startupProbe]) {
    t.equal(probe?.httpGet, undefined, 'so it has no HTTP probe')
  }
})

t.test('shutdown: the grace period outlasts the preStop sleep plus the process\'s own drain', async (t) => {
  const preStop = containerOf(gateway).lifecycle?.preStop
  const sleepSeconds = preStop?.sleep?.seconds ??
    Number(/^sleep$/.test(preStop?.exec?.command?.[0] ?? '') ? preStop?.exec?.command?.[1] : NaN)
  t.ok(sleepSeconds >= 3, `preStop sleeps ${sleepSeconds} s while the endpoint leaves the Service`)
  const gatewayPeriod = podSpec(gateway).terminationGracePeriodSeconds ?? 30
  t.ok(gatewayPeriod * 1000 > sleepSeconds * 1000 + GATEWAY_GRACE_MS,
    `gateway: ${gatewayPeriod} s > ${sleepSeconds} s preStop + ${GATEWAY_GRACE_MS} ms grace (src/grace.ts)`)
  const workerPeriod = podSpec(worker).terminationGracePeriodSeconds ?? 30
  t.ok(workerPeriod * 1000 > WORKER_GRACE_MS, `worker: ${workerPeriod} s > its ${WORKER_GRACE_MS} ms close delay`)
})

t.test('the Service, HPA, PDBs and NetworkPolicies select the pods they are meant for', async (t) => {
  const service = find<IService>('Service', 'lgsp-gateway')
  t.ok(selects(service.spec?.selector, podLabels(gateway)), 'the Service selects gateway pods')
  t.notOk(selects(service.spec?.selector, podLabels(worker)), 'and not workers')
  for (const port of service.spec?.ports ?? []) {
    t.equal(portOf(containerOf(gateway), port.targetPort), 3000, `Service port ${port.port} reaches the gateway's port`)
  }

  for (const deployment of [gateway, worker]) {
    const name = deployment.metadata?.name ?? ''
    t.ok(selects(deployment.spec?.selector.matchLabels, podLabels(deployment)), `${name}'s selector matches its pod labels`)
    for (const constraint of podSpec(deployment).topologySpreadConstraints ?? []) {
      t.ok(selects(constraint.labelSelector?.matchLabels, podLabels(deployment)), `${name} spreads its own pods over ${constraint.topologyKey}`)
    }
  }
  t.ok((podSpec(gateway).topologySpreadConstraints ?? []).some((c) => c.topologyKey === 'kubernetes.io/hostname'), 'gateways spread across nodes')
  t.ok((gateway.spec?.replicas ?? 1) >= 2, 'at least two gateways')
  t.equal(worker.spec?.replicas, 2, 'two workers')

  const hpa = find<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler', 'lgsp-gateway')
  t.same(hpa.spec?.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'lgsp-gateway' }, 'the HPA scales the gateway')
  t.ok((hpa.spec?.minReplicas ?? 1) >= 2 && (hpa.spec?.maxReplicas ?? 0) > (hpa.spec?.minReplicas ?? 1), `${hpa.spec?.minReplicas ?? '?'} to ${hpa.spec?.maxReplicas ?? '?'} replicas`)
  t.match(hpa.spec?.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: Number } } }], 'on CPU utilization')
  t.ok(containerOf(gateway).resources?.requests?.cpu, 'of a CPU request the gateway declares')
  t.ok((hpa.spec?.behavior?.scaleDown?.stabilizationWindowSeconds ?? 0) >= 60, 'scaling down waits')

  for (const [deployment, other] of [[gateway, worker], [worker, gateway]] as const) {
    const name = deployment.metadata?.name ?? ''
    const pdb = find<IPodDisruptionBudget>('PodDisruptionBudget', name)
    t.ok(selects(pdb.spec?.selector?.matchLabels, podLabels(deployment)), `PDB ${name} covers its pods`)
    t.notOk(selects(pdb.spec?.selector?.matchLabels, podLabels(other)), `PDB ${name} covers no other pods`)
    t.ok((pdb.spec?.minAvailable === undefined) !== (pdb.spec?.maxUnavailable === undefined), `PDB ${name} sets one of minAvailable and maxUnavailable`)
    if (typeof pdb.spec?.minAvailable === 'number') t.ok(pdb.spec.minAvailable < (hpa.spec?.minReplicas ?? 1), `PDB ${name} still lets a drain proceed`)
    const policy = find<INetworkPolicy>('NetworkPolicy', name)
    t.ok(selects(policy.spec?.podSelector?.matchLabels, podLabels(deployment)), `NetworkPolicy ${name} covers its pods`)
    t.notOk(selects(policy.spec?.podSelector?.matchLabels, podLabels(other)), `NetworkPolicy ${name} covers no other pods`)
  }
  const ingressPorts = find<INetworkPolicy>('NetworkPolicy', 'lgsp-gateway').spec?.ingress?.flatMap((rule) => rule.ports ?? []) ?? []
  t.same(ingressPorts.map((p) => portOf(containerOf(gateway), p.port)), [3000], 'the gateway accepts connections on its HTTP port only')
  t.same(find<INetworkPolicy>('NetworkPolicy', 'lgsp-worker').spec?.ingress, [], 'the worker accepts none')
})

t.test('pods run non-root on a read-only root filesystem, with limits', async (t) => {
  for (const deployment of [gateway, worker]) {
    const name = deployment.metadata?.name ?? ''
    const pod = podSpec(deployment)
    t.equal(pod.securityContext?.runAsNonRoot, true, `${name}: runAsNonRoot`)
    t.ok((pod.securityContext?.runAsUser ?? 0) > 0, `${name}: a numeric non-root user the kubelet can check (the image says USER node)`)
    t.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault', `${name}: seccomp`)
    t.equal(pod.automountServiceAccountToken, false, `${name}: no API token, it never calls Kubernetes`)
    for (const container of pod.containers) {
      t.equal(container.securityContext?.readOnlyRootFilesystem, true, `${name}: read-only root filesystem`)
      t.equal(container.securityContext?.allowPrivilegeEscalation, false, `${name}: no privilege escalation`)
      t.same(container.securityContext?.capabilities?.drop, ['ALL'], `${name}: no capabilities`)
      const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp')
      t.ok(pod.volumes?.find((volume) => volume.name === tmp?.name)?.emptyDir, `${name}: a writable /tmp (emptyDir)`)
      for (const resource of ['cpu', 'memory']) {
        t.ok(container.resources?.requests?.[resource] !== undefined && container.resources.limits?.[resource] !== undefined, `${name}: ${resource} request and limit`)
      }
    }
  }
})

t.test('at full scale the gateways and workers stay within PostgreSQL\'s default 100 connections', async (t) => {
  const hpa = find<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler', 'lgsp-gateway')
  const pool = loadConfig(environment(gateway)).store
  const poolSize = pool.driver === 'postgres' ? pool.poolSize : 0
  const connections = ((hpa.spec?.maxReplicas ?? 0) + (worker.spec?.replicas ?? 0)) * poolSize
  // 100 is PostgreSQL's default max_connections, 3 of them reserved for superusers
  t.ok(connections <= 97, `${hpa.spec?.maxReplicas ?? '?'} gateways + ${worker.spec?.replicas ?? '?'} workers × ${poolSize} = ${connections}`)
})
