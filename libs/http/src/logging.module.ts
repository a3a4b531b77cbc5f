import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';

/** Structured JSON logs; every request gets an id (the caller's X-Request-Id when given). */
export const loggingModule = (level: string) =>
  LoggerModule.forRoot({
    pinoHttp: {
      level,
      genReqId: (req: IncomingMessage) => (req.headers['x-request-id'] as string | undefined) ?? randomUUID(),
      autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' },
      customSuccessMessage: (req: IncomingMessage) => `${req.method} ${req.url}`,
      quietReqLogger: true,
      serializers: { req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }), res: (res: { statusCode: number }) => ({ status: res.statusCode }) },
    },
  });
