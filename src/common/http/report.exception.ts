import { HttpException } from '@nestjs/common';

/**
 * An error answered with a body its route defines, sent as it is rather than as a problem document: a
 * health check's 503 carries the per-dependency report that probes and operators read.
 */
export class ReportException extends HttpException {
  constructor(
    readonly report: Record<string, unknown>,
    status: number,
  ) {
    super(report, status);
  }
}
