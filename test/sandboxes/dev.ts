// `npm run dev:sandbox`: the service with the local e签宝 sandbox as its `esign` provider
// (development only; the production build contains no sandbox).
import { failedToStart, launch } from '../../src/launch.js';
import { startServiceWithSandbox } from './dev-service.js';

launch(async (env) => {
  const { config, service } = await startServiceWithSandbox(env);
  return { config, service, notes: [`  e签宝 sandbox: ${service.esignSandbox.url}`] };
}).catch(failedToStart);
