// Credentials for the command-line clients: every push and pull to Berth needs a token, which the
// clients get from the token service with these (docker's and containers/image's own flow).
import type { ClientEnv, RegistryUnderTest } from '@berth/testing';

/** `--creds=user:pass` (or `--src-creds`, `--dest-creds`); nothing when the registry has no credentials. */
export function credsFlag(registry: RegistryUnderTest, flag = '--creds'): string[] {
  const credentials = registry.credentials;
  return credentials ? [`${flag}=${credentials.username}:${credentials.password}`] : [];
}

/** `podman login` into the isolated auth file of `clients` (REGISTRY_AUTH_FILE of `podmanEnv()`). */
export async function podmanLogin(clients: ClientEnv, registry: RegistryUnderTest): Promise<void> {
  const credentials = registry.credentials;
  if (!credentials) return;
  await clients.runOk(
    'podman',
    ['login', '--tls-verify=false', '-u', credentials.username, '--password-stdin', registry.host],
    { input: credentials.password },
  );
}

/** `docker login` into the isolated DOCKER_CONFIG of `docker` (no engine needed). */
export async function dockerLogin(docker: ClientEnv, registry: RegistryUnderTest): Promise<void> {
  const credentials = registry.credentials;
  if (!credentials) return;
  await docker.runOk('docker', ['login', registry.host, '-u', credentials.username, '--password-stdin'], {
    input: credentials.password,
  });
}
