using ActorDispatch.Configuration;
using ActorDispatch.Log;
using ActorDispatch.Model;
using ActorDispatch.Subscriptions;
using Akka.Actor;

namespace ActorDispatch.Dispatch;

/// <summary>
/// The single active dispatcher of a subscription, bound to one connection: owns the dispatch
/// stream, the in-flight window, offset tracking and rewinds. Its owner (a durable subscription,
/// or the connection registry for an ephemeral one, which keeps none) persists the offsets it reports. The actor is
/// <see cref="DispatcherActor"/>.
/// </summary>
internal static class Dispatcher
{
    /// <summary>Everything a dispatcher runs with; fixed for its lifetime (an update starts a new one).</summary>
    public sealed record Setup(
        Subscription Subscription,
        EffectiveOptions Options,
        long CommittedOffset,
        IActorRef Connection,
        string ConnectionId,
        IActorRef Logs,
        EventReader Reader,
        DispatchSettings Settings);

    public static Props Props(Setup setup) => Akka.Actor.Props.Create(() => new DispatcherActor(setup));

    /// <summary>To the owner: the committed offset moved (every event up to it acked or skipped).</summary>
    public sealed record OffsetAdvanced(Guid SubscriptionId, long Offset);

    /// <summary>
    /// To the owner: these events exhausted <c>maxDeliveries</c>. Sent before the offset that passes
    /// them is reported, so that the owner persists them first.
    /// </summary>
    public sealed record Park(Guid SubscriptionId, IReadOnlyList<ParkedEvent> Events);

    /// <summary>
    /// From the owner: deliver these parked events again, ahead of the live stream (which waits
    /// until they are answered). Each acked one is reported with <see cref="Replayed"/>; one that
    /// exhausts <c>maxDeliveries</c> again is parked again.
    /// </summary>
    public sealed record Replay(IReadOnlyList<ParkedEvent> Events);

    /// <summary>To the owner: a replayed parked event was acked; it leaves the parked list.</summary>
    public sealed record Replayed(long Sequence);

    /// <summary>
    /// Stops after the messages already queued (responses sent before a connection closed still
    /// count), unlike <c>Context.Stop</c>, which would overtake them.
    /// </summary>
    public sealed record Stop
    {
        public static readonly Stop Instance = new();
    }

    /// <summary>
    /// From the owner: report the committed offset now, then send <see cref="Flushing"/> back, so
    /// that the owner persists an offset no older than this moment.
    /// </summary>
    public sealed record Flush(IActorRef ReplyTo);

    /// <summary>To the owner, after the latest <see cref="OffsetAdvanced"/>: persist now and answer <see cref="ReplyTo"/>.</summary>
    public sealed record Flushing(IActorRef ReplyTo);

    /// <summary>Asks for the runtime status; replied to with a <see cref="SubscriptionStatus"/>.</summary>
    /// <param name="Parked">The owner's parked count, for the dispatcher to report with its own figures.</param>
    /// <param name="Node">The owner's node name in a cluster, reported likewise.</param>
    public sealed record GetStatus(int Parked = 0, string? Node = null)
    {
        public static readonly GetStatus Instance = new();
    }

    // The dispatch stream's protocol with the actor (Sink.ActorRefWithAck). Each stream incarnation
    // has a generation, so that elements of a stream stopped by a rewind are recognised and dropped.
    internal sealed record StreamInit(long Generation);

    internal sealed record StreamAck
    {
        public static readonly StreamAck Instance = new();
    }

    /// <summary>Matched events (one, a batch, or none when all were filtered out) covering sequences up to <see cref="Through"/>.</summary>
    internal sealed record Item(IReadOnlyList<Event> Events, long Through);

    /// <summary>
    /// The items the stream had ready when the actor last acked, in order: one stream element and
    /// one ack per chunk rather than per event, so the stream's cost shrinks as the load grows.
    /// </summary>
    internal sealed record Chunk(long Generation, IReadOnlyList<Item> Items);

    internal sealed record StreamCompleted(long Generation);

    internal sealed record StreamFailed(long Generation, Exception Cause);

    internal sealed record RestartStream(long Generation);
}
