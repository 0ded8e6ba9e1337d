// Sets up a Keycloak realm the way README ("Sign-in through Keycloak") tells an operator to: a
// confidential client with PKCE, its redirect and post-logout URIs, realm roles named after Oversight's
// roles (`admin`, `reviewer`, `leadership`, `caio:<ministry>`), and a mapper that puts the user's realm
// roles into the top-level ID-token claim `oversight_roles` (OIDC_ROLE_CLAIM).
import type { Keycloak } from './services.ts';

export const REALM = 'oversight';
export const CLIENT_ID = 'oversight-dashboard';
export const ROLE_CLAIM = 'oversight_roles';

export interface RealmUser {
  username: string;
  password: string;
  roles: string[];
}

export async function createRealm(kc: Keycloak, opts: { appUrl: string; clientSecret: string; roles: string[] }): Promise<void> {
  await kc.admin('POST', '/realms', { realm: REALM, enabled: true, displayName: 'Oversight test realm' });
  await kc.admin('POST', `/realms/${REALM}/clients`, {
    clientId: CLIENT_ID,
    name: 'Oversight',
    enabled: true,
    protocol: 'openid-connect',
    publicClient: false,
    clientAuthenticatorType: 'client-secret',
    secret: opts.clientSecret,
    standardFlowEnabled: true,
    directAccessGrantsEnabled: false,
    redirectUris: [`${opts.appUrl}/auth/callback`],
    webOrigins: [opts.appUrl],
    attributes: { 'pkce.code.challenge.method': 'S256', 'post.logout.redirect.uris': `${opts.appUrl}/login` },
    protocolMappers: [
      {
        name: 'oversight roles',
        protocol: 'openid-connect',
        protocolMapper: 'oidc-usermodel-realm-role-mapper',
        config: {
          'claim.name': ROLE_CLAIM,
          multivalued: 'true',
          'jsonType.label': 'String',
          'id.token.claim': 'true',
          'access.token.claim': 'true',
          'userinfo.token.claim': 'true',
        },
      },
    ],
  });
  for (const name of opts.roles) await kc.admin('POST', `/realms/${REALM}/roles`, { name });
}

async function userId(kc: Keycloak, username: string): Promise<string> {
  const found = await kc.admin<Array<{ id: string }>>('GET', `/realms/${REALM}/users?exact=true&username=${encodeURIComponent(username)}`);
  if (!found[0]) throw new Error(`Keycloak has no user ${username}`);
  return found[0].id;
}

async function roleRep(kc: Keycloak, name: string): Promise<unknown> {
  return kc.admin('GET', `/realms/${REALM}/roles/${encodeURIComponent(name)}`);
}

export async function createRealmUser(kc: Keycloak, u: RealmUser): Promise<void> {
  await kc.admin('POST', `/realms/${REALM}/users`, {
    username: u.username,
    enabled: true,
    email: `${u.username}@example.go.jp`,
    emailVerified: true,
    firstName: u.username,
    lastName: 'Test',
    credentials: [{ type: 'password', value: u.password, temporary: false }],
  });
  await setRealmRoles(kc, u.username, u.roles);
}

/** Replaces the user's Oversight roles (the claim changes at the next sign-in). */
export async function setRealmRoles(kc: Keycloak, username: string, roles: string[]): Promise<void> {
  const id = await userId(kc, username);
  const current = await kc.admin<Array<{ name: string }>>('GET', `/realms/${REALM}/users/${id}/role-mappings/realm`);
  const ours = current.filter((r) => !r.name.startsWith('default-roles-') && r.name !== 'offline_access' && r.name !== 'uma_authorization');
  if (ours.length) await kc.admin('DELETE', `/realms/${REALM}/users/${id}/role-mappings/realm`, await Promise.all(ours.map((r) => roleRep(kc, r.name))));
  if (roles.length) await kc.admin('POST', `/realms/${REALM}/users/${id}/role-mappings/realm`, await Promise.all(roles.map((r) => roleRep(kc, r))));
}

export async function setRealmUserEnabled(kc: Keycloak, username: string, enabled: boolean): Promise<void> {
  const id = await userId(kc, username);
  await kc.admin('PUT', `/realms/${REALM}/users/${id}`, { enabled });
}
