import 'reflect-metadata';
import { bootBareService, runService } from '@chronicle/http';

// No behaviour yet: the process boots and answers /health and /ready.
runService('prompts', bootBareService);
