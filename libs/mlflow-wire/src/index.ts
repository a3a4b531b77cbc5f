export { authenticationChallenges, MlflowErrorFilter, sendMlflowError, toMlflowError } from './mlflow-error.filter';
export { parseMessage, wire } from './mlflow-request';
