import { stopSharedPostgres } from './postgres.js';

/** Mocha root hook plugin (registered in .mocharc.yml): stops the shared PostgreSQL cluster after the run. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopSharedPostgres();
  },
};
