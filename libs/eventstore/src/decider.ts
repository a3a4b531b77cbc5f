/**
 * A pure decider: `decide` turns a command and the current state into new events (or throws a
 * domain error); `evolve` folds an event into the state. Time and ids arrive in the command.
 */
export interface Decider<C, E, S> {
  initialState: S;
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
}
