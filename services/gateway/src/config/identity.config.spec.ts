import { ConfigError, loadConfig } from '@chronicle/config';
import { identityConfigSchema } from './identity.config';

describe('identityConfigSchema', () => {
  it('defaults to auth on with no admin password, no OIDC and no signing secret', () => {
    expect(loadConfig(identityConfigSchema, {})).toEqual({ CHRONICLE_AUTH: 'on', CHRONICLE_ADMIN_USERNAME: 'admin' });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig(identityConfigSchema, { CHRONICLE_ADMIN_PASSWORD: '', CHRONICLE_OIDC_ISSUER: '' }).CHRONICLE_ADMIN_PASSWORD).toBeUndefined();
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig(identityConfigSchema, { CHRONICLE_AUTH: 'maybe' })).toThrow(/CHRONICLE_AUTH/);
    expect(() => loadConfig(identityConfigSchema, { CHRONICLE_ADMIN_PASSWORD: 'short' })).toThrow(/CHRONICLE_ADMIN_PASSWORD/);
    expect(() => loadConfig(identityConfigSchema, { CHRONICLE_PRINCIPAL_SECRET: 'short' })).toThrow(/CHRONICLE_PRINCIPAL_SECRET/);
  });

  it('needs issuer, JWKS URL and audience together', () => {
    expect(() => loadConfig(identityConfigSchema, { CHRONICLE_OIDC_ISSUER: 'https://idp' })).toThrow(ConfigError);
    expect(() => loadConfig(identityConfigSchema, { CHRONICLE_OIDC_ISSUER: 'https://idp' })).toThrow(/CHRONICLE_OIDC_JWKS_URL[\s\S]*CHRONICLE_OIDC_AUDIENCE/);
    const oidc = { CHRONICLE_OIDC_ISSUER: 'https://idp', CHRONICLE_OIDC_JWKS_URL: 'https://idp/jwks', CHRONICLE_OIDC_AUDIENCE: 'chronicle' };
    expect(loadConfig(identityConfigSchema, oidc)).toMatchObject(oidc);
  });
});
