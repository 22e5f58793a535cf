import { expect } from 'chai';
import { AcodeError } from '../../lib/errors.js';

/** The AcodeError a piece of work fails with; the test fails if it succeeds or throws anything else. */
export async function failure(work: Promise<unknown>, what = 'expected a failure'): Promise<AcodeError> {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, what).to.be.instanceOf(AcodeError);
  return err as AcodeError;
}
