import { arrayOf, defineSchema, nullable, object, TIME } from '../openapi/schema.js';

/** The repositories and artifacts API's answers (`content.views.ts`), for the OpenAPI document. */

const COUNT = { type: 'integer', minimum: 0 } as const;
const DIGEST = { type: 'string', pattern: '^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$' } as const;
const TAG = { type: 'string', pattern: '^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$' } as const;

const REPOSITORY_PROPERTIES = {
  name: { type: 'string', description: 'The full name, `<project>/<path>`.' },
  project: { type: 'string' },
  artifactCount: {
    ...COUNT,
    description: 'Top-level artifacts: neither accessories nor the children of an index.',
  },
  tagCount: COUNT,
  pullCount: { ...COUNT, description: 'Manifest GETs, written in batches every `BERTH_PULL_FLUSH_MS`.' },
  lastPushAt: nullable(TIME),
  createdAt: TIME,
} as const;

export const REPOSITORY = defineSchema('Repository', object(REPOSITORY_PROPERTIES));

export const REPOSITORY_DETAIL = defineSchema(
  'RepositoryDetail',
  object({
    ...REPOSITORY_PROPERTIES,
    sizeBytes: {
      ...COUNT,
      description: 'The manifests and every config and layer blob they reference, each blob once.',
    },
  }),
);

const PLATFORM = object(
  { os: { type: 'string' }, architecture: { type: 'string' }, variant: { type: 'string' } },
  ['os', 'architecture'],
);

const ACCESSORY = object({
  digest: DIGEST,
  mediaType: { type: 'string' },
  artifactType: nullable({ type: 'string' }),
  size: COUNT,
});

const ARTIFACT_PROPERTIES = {
  digest: DIGEST,
  mediaType: { type: 'string' },
  artifactType: nullable({
    type: 'string',
    description: "The manifest's `artifactType`, else its config's media type.",
  }),
  size: {
    ...COUNT,
    description: "The manifest with its config and layers; an index with its children's too.",
  },
  tags: arrayOf(object({ name: TAG, pushedAt: TIME })),
  pushedAt: TIME,
  lastPulledAt: nullable(TIME),
  pullCount: COUNT,
  platforms: arrayOf(PLATFORM, {
    description: "An index's children's platforms; when one artifact is read, an image's own platform too.",
  }),
  accessories: arrayOf(ACCESSORY, {
    description: 'Manifests whose `subject` is this artifact: signatures, SBOMs, attestations.',
  }),
} as const;

const ARTIFACT_REQUIRED = Object.keys(ARTIFACT_PROPERTIES).filter((key) => key !== 'platforms');

export const ARTIFACT = defineSchema('Artifact', object(ARTIFACT_PROPERTIES, ARTIFACT_REQUIRED));

export const ARTIFACT_DETAIL = defineSchema(
  'ArtifactDetail',
  object(
    {
      ...ARTIFACT_PROPERTIES,
      annotations: { type: 'object', additionalProperties: { type: 'string' } },
    },
    ARTIFACT_REQUIRED,
  ),
);

export const NEW_TAG = defineSchema('NewTag', object({ name: TAG }));

export const CREATED_TAG = defineSchema('CreatedTag', object({ name: TAG, digest: DIGEST }));

export const COPIED_ARTIFACT = defineSchema('CopiedArtifact', object({ digest: DIGEST }));
