/**
 * Validates Kubernetes manifests without a cluster: Kubernetes kinds, KEDA and prometheus-operator
 * against the schemas compiled into the kubernetes-models packages (generated from the upstream
 * OpenAPI spec and CRDs), Strimzi against deploy/k8s/schemas/strimzi.schema.json (see its README).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';

export interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
  [key: string]: unknown;
}

type Model = new (data: never) => { validate(): void };
const MODELS: Record<string, Model> = {
  'v1/ConfigMap': ConfigMap as unknown as Model,
  'v1/Secret': Secret as unknown as Model,
  'v1/Service': Service as unknown as Model,
  'apps/v1/Deployment': Deployment as unknown as Model,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as Model,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as unknown as Model,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject as unknown as Model,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule as unknown as Model,
};

const strimzi = JSON.parse(readFileSync(join(__dirname, '../../deploy/k8s/schemas/strimzi.schema.json'), 'utf8')) as { definitions: Record<string, object> };
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addSchema(strimzi, 'strimzi');
const STRIMZI_KINDS = ['Kafka', 'KafkaNodePool', 'KafkaTopic'];

/** Problems of one manifest ([] when valid). An unknown apiVersion/kind is a problem: every kind needs a schema. */
export function validateManifest(doc: Manifest): string[] {
  const id = `${doc.apiVersion}/${doc.kind}`;
  const where = `${doc.kind ?? '?'} ${doc.metadata?.name ?? '?'}`;
  if (doc.apiVersion === 'kafka.strimzi.io/v1beta2' && STRIMZI_KINDS.includes(doc.kind ?? '')) {
    const validate = ajv.getSchema(`strimzi#/definitions/${doc.kind}`)!;
    return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${where}: ${e.instancePath} ${e.message}`);
  }
  const model = MODELS[id];
  if (!model) return [`${where}: no schema for ${id}`];
  try {
    new model(doc as never).validate();
    return [];
  } catch (err) {
    return [`${where}: ${(err as Error).message}`];
  }
}
