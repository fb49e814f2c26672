using ActorDispatch.Benchmarks.Shared;
using Akka.Actor;

namespace ActorDispatch.Benchmarks.Journal;

/// <summary>A bare persistent actor that writes benchmark payloads straight to the journal: the baseline for the engine's append.</summary>
internal static class JournalWriter
{
    public static Props Props(BenchPayload payload) => Akka.Actor.Props.Create(() => new JournalWriterActor(payload));

    /// <summary>
    /// Persists <see cref="Count"/> payloads, <see cref="EventsPerCall"/> per call (1 = <c>PersistAsync</c>,
    /// more = <c>PersistAllAsync</c>), with at most <see cref="MaxCallsOutstanding"/> calls unconfirmed.
    /// Replied to with <see cref="Written"/>.
    /// </summary>
    public sealed record Write(int Count, int EventsPerCall, int MaxCallsOutstanding);

    /// <summary>From the <see cref="Write"/> being received to the last event confirmed.</summary>
    public sealed record Written(Interval Span);
}
