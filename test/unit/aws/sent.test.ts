// The hook that tells when a request has left the process, over real HTTP on 127.0.0.1: a request
// the agent holds in its queue (no free socket) has not; one refused on its socket never arrives.
import {
  Agent,
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createRequestWatch, INVOCATION_ID_HEADER, type WatchedRequest } from "../../../src/aws/sent.js";

let server: Server;
let port: number;
/** Paths the server received, in order. */
let received: string[];
/** Requests to /hold, answered when a test says so. */
let held: ServerResponse[];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on("end", () => {
      received.push(req.url ?? "");
      if (req.url === "/hold") held.push(res);
      else res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const res of held) res.end();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  received = [];
  held = [];
});

/** A watched attempt that records what the hook says of it. */
function attempt(refuse?: Error): WatchedRequest & { sockets: number; isWritten: boolean } {
  const state = {
    sockets: 0,
    isWritten: false,
    beforeWrite: () => {
      state.sockets += 1;
      return refuse;
    },
    written: () => {
      state.isWritten = true;
    },
  };
  return state;
}

/** A POST with a body (as the SDK sends), through `agent`; resolves with its status or its error. */
function post(agent: Agent, path: string, id: string): Promise<number | Error> {
  return new Promise((resolve) => {
    const req = request(
      { host: "127.0.0.1", port, path, method: "POST", agent, headers: { [INVOCATION_ID_HEADER]: id } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", (error) => resolve(error));
    req.end(JSON.stringify({ KeyId: "mrk-1" }));
  });
}

const until = async (test: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !test(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(test()).toBe(true);
};

describe("createRequestWatch", () => {
  it("counts a request as sent only once it has left: one queued behind a busy socket has not", async () => {
    // GIVEN an agent with one socket, watched, and a request that holds it
    const watch = createRequestWatch();
    const agent = watch.watch(new Agent({ keepAlive: true, maxSockets: 1 }));
    const first = attempt();
    const second = attempt();
    watch.expect("first", first);
    watch.expect("second", second);
    const answeredFirst = post(agent, "/hold", "first");
    await until(() => received.length === 1);
    // WHEN a second request is given to the agent while the socket is busy
    const answeredSecond = post(agent, "/quick", "second");
    await new Promise((resolve) => setTimeout(resolve, 100));
    // THEN the first has left, the second has not (it waits in the agent's queue)
    expect(first.isWritten).toBe(true);
    expect(second).toMatchObject({ isWritten: false, sockets: 0 });
    expect(received).toEqual(["/hold"]);
    // …and it leaves once the socket is free
    held[0]?.end("done");
    expect(await answeredFirst).toBe(200);
    expect(await answeredSecond).toBe(200);
    expect(second).toMatchObject({ isWritten: true, sockets: 1 });
    expect(received).toEqual(["/hold", "/quick"]);
    agent.destroy();
  });

  it("refuses a request on its socket, before a byte is written: the server never sees it", async () => {
    // GIVEN a request that holds the only socket, and one queued behind it that will be refused
    const watch = createRequestWatch();
    const agent = watch.watch(new Agent({ keepAlive: true, maxSockets: 1 }));
    const refusal = new Error("too late");
    const late = attempt(refusal);
    watch.expect("late", late);
    const answeredFirst = post(agent, "/hold", "first");
    await until(() => received.length === 1);
    const outcome = post(agent, "/refused", "late");
    // WHEN the socket frees and the agent hands it to the queued request
    held[0]?.end("done");
    // THEN the request fails with the refusal, unwritten, and never reaches the server
    expect(await outcome).toBe(refusal);
    expect(late).toMatchObject({ isWritten: false, sockets: 1 });
    expect(await answeredFirst).toBe(200);
    expect(await post(agent, "/quick", "after")).toBe(200);
    expect(received).toEqual(["/hold", "/quick"]);
    agent.destroy();
  });

  it("wraps any agent that has addRequest (a subclass, as a proxy agent is), and ignores requests it was not told of", async () => {
    // GIVEN an agent of its own class, whose addRequest does work of its own
    let added = 0;
    // Node's typings leave addRequest out; every http.Agent has it (agent-base overrides it too).
    const base = Agent.prototype as unknown as { addRequest(this: Agent, ...args: unknown[]): void };
    class CountingAgent extends Agent {
      addRequest(...args: unknown[]): void {
        added += 1;
        base.addRequest.apply(this, args);
      }
    }
    const watch = createRequestWatch();
    const agent = watch.watch(new CountingAgent({ keepAlive: true }));
    const known = attempt();
    watch.expect("known", known);
    // WHEN a request it was told of and one it was not go through it
    expect(await post(agent, "/quick", "known")).toBe(200);
    expect(await post(agent, "/quick", "stranger")).toBe(200);
    // THEN both went through the agent's own addRequest, and only the known one was reported
    expect(added).toBe(2);
    expect(known).toMatchObject({ isWritten: true, sockets: 1 });
    agent.destroy();
  });

  it("forgets an attempt that ended before its request reached the agent", async () => {
    // GIVEN an attempt that is expected and then forgotten
    const watch = createRequestWatch();
    const agent = watch.watch(new Agent({ keepAlive: true }));
    const gone = attempt();
    watch.expect("gone", gone);
    watch.forget("gone");
    // WHEN a request with its ID comes anyway
    expect(await post(agent, "/quick", "gone")).toBe(200);
    // THEN nothing is reported for it
    expect(gone).toMatchObject({ isWritten: false, sockets: 0 });
    agent.destroy();
  });
});
