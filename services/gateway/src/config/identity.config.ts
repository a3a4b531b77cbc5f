import { z } from 'zod';

const optionalText = z.preprocess((value) => (value === '' ? undefined : value), z.string().optional());
const optionalUrl = z.preprocess((value) => (value === '' ? undefined : value), z.string().url().optional());

/**
 * Identity settings, read once at boot by whichever composition root runs identity (the gateway,
 * or the one-process server). Merge it into that root's schema: `rootSchema.extend(identityConfigSchema.shape)`.
 */
export const identityConfigSchema = z
  .object({
    /** `off`: one local user who may do anything (the embedded single-user mode). */
    CHRONICLE_AUTH: z.enum(['on', 'off']).default('on'),
    /** The first server administrator, created at first start when no user exists. */
    CHRONICLE_ADMIN_USERNAME: z.string().min(1).default('admin'),
    /** No default on purpose: without it a server with auth on and no users refuses to start. */
    CHRONICLE_ADMIN_PASSWORD: z.preprocess((value) => (value === '' ? undefined : value), z.string().min(12).optional()),
    CHRONICLE_OIDC_ISSUER: optionalText,
    CHRONICLE_OIDC_JWKS_URL: optionalUrl,
    CHRONICLE_OIDC_AUDIENCE: optionalText,
    /** The claim that names the user; unset: `preferred_username`, then `sub`. */
    CHRONICLE_OIDC_USERNAME_CLAIM: optionalText,
    /** HMAC secret of the principal header the gateway forwards to services (distributed mode). */
    CHRONICLE_PRINCIPAL_SECRET: z.preprocess((value) => (value === '' ? undefined : value), z.string().min(32).optional()),
  })
  .superRefine((config, ctx) => {
    const oidc = [config.CHRONICLE_OIDC_ISSUER, config.CHRONICLE_OIDC_JWKS_URL, config.CHRONICLE_OIDC_AUDIENCE];
    if (oidc.some((value) => value !== undefined) && oidc.some((value) => value === undefined)) {
      for (const key of ['CHRONICLE_OIDC_ISSUER', 'CHRONICLE_OIDC_JWKS_URL', 'CHRONICLE_OIDC_AUDIENCE'] as const) {
        if (config[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'OIDC needs an issuer, a JWKS URL and an audience together' });
      }
    }
  });

export type IdentityConfig = z.infer<typeof identityConfigSchema>;
