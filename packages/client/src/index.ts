export * from './errors.js';
export * from './challenge.js';
export * from './link.js';
export * from './retry.js';
export {
  Authenticator,
  CATALOG_SCOPE,
  normalize as normalizeScopes,
  repositoryScope,
  type Credentials,
} from './auth.js';
export { type BodyFactory, type TransportOptions, parseRegistryUrl } from './transport.js';
export { createNodeFetch } from './node-fetch.js';
export { DigestVerifier, type DigestVerifierOptions } from './digest-verifier.js';
export { DEFAULT_MANIFEST_ACCEPT, type Manifest, type ManifestHead } from './manifests.js';
export { type GetBlobOptions } from './blobs.js';
export { type BlobSource, type PushBlobOptions, type PushBlobResult } from './upload.js';
export { type PageOptions } from './discovery.js';
export { referrersTag } from './paths.js';
export { RegistryClient, type RegistryClientOptions, type PutManifestOptions } from './registry-client.js';
export { copyImage, type CopyImageOptions, type CopyImageResult } from './copy.js';
export { removeReference, type RemoveOutcome } from './remove.js';
export { TokenBucket, ThrottleStream, bucketForKibPerSecond } from './throttle.js';
