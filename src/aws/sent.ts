// Which of our requests have left the process. Between the AWS adapter's "send" and the wire there
// is a queue and some work: the SDK resolves credentials and signs, and its node HTTP handler hands
// the request to an http(s) Agent, which holds it until a socket is free (50 per Region's client).
// A request counts as sent only once its last byte has been handed to the operating system: the
// ClientRequest's 'finish' event. Until then nothing of it can have reached KMS.
//
// The hook wraps the agent's addRequest, whatever the agent is (Node's, or a proxy agent put under
// the SDK), and finds the call by the `amz-sdk-invocation-id` header the SDK gives every request.
// The same hook is the last gate for a write after the run's deadline: when the agent hands the
// request a socket, before a byte is written, the adapter may still refuse it.
import type { ClientRequest } from "node:http";

/** The header the SDK's retry middleware sets on every request: one ID per `send`. */
export const INVOCATION_ID_HEADER = "amz-sdk-invocation-id";

/** One attempt of one call, as the hook reports it. */
export interface WatchedRequest {
  /**
   * The agent is about to write the request on a socket: an error refuses it (the request is
   * destroyed unwritten and the SDK rejects with that error); undefined lets it go.
   */
  beforeWrite(): Error | undefined;
  /** Every byte of the request has left the process. */
  written(): void;
}

export interface RequestWatch {
  /** The next request with this invocation ID is this attempt's. */
  expect(invocationId: string, request: WatchedRequest): void;
  /** The attempt ended (answered, failed, refused): forget it if its request never came. */
  forget(invocationId: string): void;
  /** `agent`, its addRequest wrapped to report the requests it is given (the same object). */
  watch<A extends object>(agent: A): A;
}

/** What the hook needs of an agent: Node's http.Agent and agents built on it all have it. */
interface AddsRequests {
  addRequest(request: ClientRequest, options: unknown): unknown;
}

const addsRequests = (agent: object): agent is AddsRequests =>
  typeof (agent as Partial<AddsRequests>).addRequest === "function";

export function createRequestWatch(): RequestWatch {
  const expected = new Map<string, WatchedRequest>();
  const attach = (request: ClientRequest): void => {
    const id = request.getHeader(INVOCATION_ID_HEADER);
    if (typeof id !== "string") return;
    const watched = expected.get(id);
    if (watched === undefined) return;
    expected.delete(id);
    // 'socket' comes before the agent flushes what the SDK has already written into the request.
    request.once("socket", () => {
      const refusal = watched.beforeWrite();
      if (refusal !== undefined) request.destroy(refusal);
    });
    request.once("finish", () => watched.written());
  };
  return {
    expect(invocationId, request) {
      expected.set(invocationId, request);
    },
    forget(invocationId) {
      expected.delete(invocationId);
    },
    watch(agent) {
      if (!addsRequests(agent)) return agent;
      const original = agent.addRequest.bind(agent);
      agent.addRequest = (request, options) => {
        attach(request);
        return original(request, options);
      };
      return agent;
    },
  };
}
