import { Observable, type Observer, type Operator, Subscriber, type Subscription, type TeardownLogic } from "rxjs";

/** Marks an observer the plugin host subscribes itself: it handles its own errors, and is not wrapped. */
export const HOST_OBSERVER = Symbol("parley.hostObserver");

/** An observer of the host's own, marked so that it is not wrapped. */
export type HostObserver<T> = Partial<Observer<T>> & { readonly [HOST_OBSERVER]: true };

/**
 * A stream of a plugin's view of a session whose failures end that plugin's work on the session
 * (`fail`) instead of escaping to RxJS's unhandled-error hook: a subscriber's callback that throws,
 * or an error nobody handles, in this stream or any stream piped from it (`lift` keeps the class).
 * Only the plugin's own final subscribers are wrapped, once each at subscribe time (see
 * ContainedSubscriber); operators' inner subscribers and the host's are passed through.
 */
export class ContainedObservable<T> extends Observable<T> {
  constructor(readonly fail: (error: unknown) => void, subscribe?: (this: Observable<T>, subscriber: Subscriber<T>) => TeardownLogic) {
    super(subscribe);
  }

  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    const observable = new ContainedObservable<R>(this.fail);
    observable.source = this;
    observable.operator = operator;
    return observable;
  }

  override subscribe(
    observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): Subscription {
    if (observerOrNext instanceof Subscriber || (observerOrNext && HOST_OBSERVER in observerOrNext)) return super.subscribe(observerOrNext);
    const observer: Partial<Observer<T>> = typeof observerOrNext === "function" || !observerOrNext
      ? { next: observerOrNext ?? undefined, error: error ?? undefined, complete: complete ?? undefined }
      : observerOrNext;
    return super.subscribe(new ContainedSubscriber(observer, this.fail));
  }
}

/**
 * Hands values straight to the plugin's observer inside a try (in place of RxJS's SafeSubscriber,
 * which would catch a throw and report it as unhandled): a frame makes no more calls than before.
 */
class ContainedSubscriber<T> extends Subscriber<T> {
  readonly #observer: Partial<Observer<T>>;
  readonly #fail: (error: unknown) => void;

  constructor(observer: Partial<Observer<T>>, fail: (error: unknown) => void) {
    super();
    this.#observer = observer;
    this.#fail = fail;
  }

  protected override _next(value: T): void {
    try {
      this.#observer.next?.(value);
    } catch (error) {
      this.#fail(error);
    }
  }

  protected override _error(error: unknown): void {
    try {
      if (this.#observer.error) this.#observer.error(error);
      else this.#fail(error);
    } catch (thrown) {
      this.#fail(thrown);
    } finally {
      this.unsubscribe();
    }
  }

  protected override _complete(): void {
    try {
      this.#observer.complete?.();
    } catch (error) {
      this.#fail(error);
    } finally {
      this.unsubscribe();
    }
  }
}
