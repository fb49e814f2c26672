using ActorDispatch.Configuration;
using ActorDispatch.Diagnostics;
using ActorDispatch.Model;
using Akka.Actor;

namespace ActorDispatch.Log;

/// <summary>
/// The ordered, persistent log of one namespace: a persistent actor that assigns dense, gap-free
/// event sequences and writes them as journal entries of one or more events (group commit).
/// Companion holding its protocol; the actor is <see cref="EventLogActor"/>, reached through
/// <see cref="EventLogs"/>.
/// </summary>
internal static class EventLog
{
    // metrics: the engine's instruments; null: the system's (ActorDispatchMetrics.Get).
    public static Props Props(string @namespace, DispatchSettings settings, IActorRef changeEvents, LogPositions positions, ActorDispatchMetrics? metrics = null) =>
        Akka.Actor.Props.Create(() => new EventLogActor(@namespace, settings, changeEvents, positions, metrics));

    public static string PersistenceId(string @namespace) => $"eventlog-{@namespace}";

    /// <summary>A message for the log of <see cref="Namespace"/>; <see cref="EventLogs"/> routes it.</summary>
    public interface ICommand
    {
        string Namespace { get; }
    }

    /// <summary>
    /// Appends events atomically; replied to with <see cref="Appended"/> once durable, or a <see cref="Status.Failure"/>.
    /// With an <see cref="IdempotencyKey"/> (the HTTP <c>Idempotency-Key</c>), a retry within the log's
    /// <c>idempotency-window</c> is answered with the events the first append stored (<see cref="Appended.Replayed"/>),
    /// also after the log restarted or moved, since the key is written with its events; the same key
    /// with other events is refused (409). Keys are per namespace and ignored when the window is 0.
    /// </summary>
    public sealed record Append(string Namespace, IReadOnlyList<NewEvent> Events, string? IdempotencyKey = null) : ICommand
    {
        /// <summary>
        /// <see cref="IdempotencyWindow.Hash"/> of <see cref="Events"/>, computed by the sender so that the log's
        /// one thread does not; the log computes it for a keyed append that comes without.
        /// </summary>
        public string? Hash { get; init; }

        /// <summary>The W3C trace context the events are stored with (<see cref="Event.TraceParent"/>), if the append had one.</summary>
        public string? TraceParent { get; init; }

        /// <summary>The <c>tracestate</c> beside <see cref="TraceParent"/>.</summary>
        public string? TraceState { get; init; }
    }

    /// <summary>The events of an append as stored; <paramref name="Replayed"/> when it answers a retry of an earlier append with its key.</summary>
    public sealed record Appended(IReadOnlyList<Event> Events, bool Replayed = false);

    /// <summary>Asks for the current head; replied to with <see cref="Head"/>.</summary>
    public sealed record GetHead(string Namespace) : ICommand;

    /// <summary>The highest durable sequence in the log (0 when empty): every event up to it can be read.</summary>
    public sealed record Head(string Namespace, long Sequence);

    /// <summary>To <c>self</c> after <see cref="ResolveHead{TRequest}"/>: the head, with the request that waited for it.</summary>
    public sealed record HeadResolved<TRequest>(TRequest Request, IActorRef ReplyTo, long Head);

    /// <summary>To <c>self</c> after <see cref="ResolveHead{TRequest}"/>: the log did not answer; tell <see cref="ReplyTo"/>.</summary>
    public sealed record HeadFailed(IActorRef ReplyTo, Exception Cause);

    /// <summary>
    /// Asks the log of <paramref name="ns"/> for its head (firstEvent 'newest' needs it) and comes back
    /// to <paramref name="self"/> as a message, so that an actor never awaits the answer.
    /// </summary>
    public static void ResolveHead<TRequest>(IActorRef logs, string ns, TRequest request, IActorRef replyTo, IActorRef self, TimeSpan timeout) =>
        logs.Ask<Head>(new GetHead(ns), timeout)
            .PipeTo(self, success: h => new HeadResolved<TRequest>(request, replyTo, h.Sequence), failure: ex => new HeadFailed(replyTo, ex));

    /// <summary>
    /// Registers a reader for head notifications (idempotent); replied to with <see cref="Head"/>,
    /// then every append is announced with <see cref="EventsAppended"/>.
    /// </summary>
    public sealed record WatchHead(string Namespace, IActorRef Watcher) : ICommand;

    public sealed record UnwatchHead(string Namespace, IActorRef Watcher) : ICommand;

    /// <summary>
    /// Sent to watchers after events became durable, one per journal entry; carries them so caught-up
    /// readers need not query the store.
    /// </summary>
    public sealed record EventsAppended(string Namespace, IReadOnlyList<Event> Events);

    /// <summary>
    /// Stops the log once every append it has taken is written and answered: a handoff to another
    /// node (rebalance, graceful leave) drains the writer instead of dropping what is in flight.
    /// </summary>
    public sealed record Drain
    {
        public static readonly Drain Instance = new();
    }
}
