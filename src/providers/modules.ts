import { esign } from './esign/index.js';
import type { ProviderModule } from './module.js';
import { spacesign } from './spacesign/index.js';
import { xuper } from './xuper/index.js';
import { zoho } from './zoho/index.js';

/** Every third-party seal provider the service can use; one is enabled when its variables are set. */
export const PROVIDER_MODULES: ReadonlyArray<ProviderModule> = [esign, zoho, spacesign, xuper];
