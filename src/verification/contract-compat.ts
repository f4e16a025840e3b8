// Compile-time check (tsc): the verifier's report is a report of the contract, so what the verifier
// computes is what /verify and the OpenAPI document promise. Nothing imports this module.
import type { VerifyReport as ContractReport } from '../contract/verification.js';
import type { VerifyReport as VerifierReport } from '@infoplus/pdf-verify/types';

type Assignable<T extends U, U> = T;
export type VerifierReportFitsContract = Assignable<VerifierReport, ContractReport>;
