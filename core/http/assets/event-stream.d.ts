/**
 * Reads the event stream of `response` until it ends or `signal` aborts, calling `onEvent` with
 * each event's parsed JSON `data` (the module the pages Parley serves load; Node clients too).
 */
export function readEventStream(response: Response, onEvent: (data: unknown) => void, signal?: AbortSignal): Promise<void>;
