/** Child processes of the pipeline's services live in the pipeline harness; the tests import them here. */
export {
  CLI_MAIN,
  freePort,
  metricValue,
  REPO_ROOT,
  type SupervisedProcess,
  Supervisor,
} from '@aiops/harness';
