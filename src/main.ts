import { failedToStart, launch } from './launch.js';

launch().catch(failedToStart);
