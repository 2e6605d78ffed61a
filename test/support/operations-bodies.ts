/** Bodies of the operations endpoints, read by both operations suites. */

export interface HealthBody {
  status: string;
  info?: Record<string, { status: string }>;
  error?: Record<string, { status: string }>;
}

export interface SlaFigure {
  value: number | null;
  target: string;
  met: boolean;
  window: string;
}

export interface StatusBody {
  status: string;
  dependencies: Record<string, string>;
  sla: {
    latencyP95Ms: SlaFigure;
    availabilityPercent: SlaFigure;
    errorRatePercent: SlaFigure;
    retrySuccessPercent: SlaFigure;
  };
}

export interface VersionBody {
  version: string;
  commit: string;
  buildTime: string;
  node: string;
}
