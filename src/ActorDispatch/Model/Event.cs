using System.Text.Json;
using ActorDispatch.Diagnostics;
using System.Text.Json.Serialization;

namespace ActorDispatch.Model;

/// <summary>
/// An event as stored in a namespace's log. <see cref="Id"/>, <see cref="Sequence"/>,
/// <see cref="Namespace"/> and <see cref="Created"/> are assigned by the log at append;
/// sequences are dense per namespace, so lag is simply head minus committed offset.
/// </summary>
public sealed record Event
{
    public required Guid Id { get; init; }
    public required long Sequence { get; init; }
    public required string Type { get; init; }
    public required string Namespace { get; init; }
    public string? Topic { get; init; }
    public string? Tag { get; init; }
    public string? Author { get; init; }
    public Guid? Reference { get; init; }
    public Guid? Correlator { get; init; }
    public Guid? Tx { get; init; }
    public required DateTimeOffset Created { get; init; }

    /// <summary>
    /// The W3C <c>traceparent</c> of the append that wrote the event (its span's, or the caller's
    /// when no span was recorded), or null when the append had no trace.
    /// </summary>
    public string? TraceParent { get; init; }

    /// <summary>The W3C <c>tracestate</c> that came with <see cref="TraceParent"/>, if any.</summary>
    public string? TraceState { get; init; }

    /// <summary>The JSON payload, if any. Left out of deliveries to subscriptions without <c>withData</c>.</summary>
    public JsonElement? Data { get; init; }

    // Records compare JsonElement by reference; events are equal when their payloads are equal JSON.
    public bool Equals(Event? other) =>
        other is not null && Id == other.Id && Sequence == other.Sequence && Type == other.Type && Namespace == other.Namespace &&
        Topic == other.Topic && Tag == other.Tag && Author == other.Author && Reference == other.Reference &&
        Correlator == other.Correlator && Tx == other.Tx && Created == other.Created &&
        TraceParent == other.TraceParent && TraceState == other.TraceState &&
        (Data is null ? other.Data is null : other.Data is not null && JsonElement.DeepEquals(Data.Value, other.Data.Value));

    public override int GetHashCode() => HashCode.Combine(Id, Sequence);
}

/// <summary>
/// What a host appends: the log fills in id, sequence, namespace and creation time.
/// Also the shape of a delivery response's <c>reply</c>.
/// </summary>
public sealed record NewEvent
{
    /// <summary>Required: 1-64 characters of <c>[A-Za-z0-9_.:-]</c>.</summary>
    public required string Type { get; init; }
    public string? Topic { get; init; }
    public string? Tag { get; init; }
    public string? Author { get; init; }
    public Guid? Reference { get; init; }
    public Guid? Correlator { get; init; }
    public Guid? Tx { get; init; }
    public JsonElement? Data { get; init; }
}

/// <summary>Identifies a subscription in deliveries and responses, as FireFly's <c>SubscriptionRef</c>.</summary>
public sealed record SubscriptionRef
{
    public Guid? Id { get; init; }
    public string? Namespace { get; init; }
    public string? Name { get; init; }

    public override string ToString() => $"{Namespace}/{Name} ({Id})";
}

/// <summary>
/// One event delivered to a transport: on the wire, the event's fields plus <c>subscription</c>.
/// </summary>
[JsonConverter(typeof(EventDeliveryJsonConverter))]
public sealed record EventDelivery(Event Event, SubscriptionRef Subscription)
{
    private readonly string? _traceParent;

    /// <summary>
    /// The W3C <c>traceparent</c> a transport sends with this delivery (a header, a field, a message
    /// property): the delivery's own span when tracing records one, else the append's
    /// (<see cref="Event.TraceParent"/>), else one derived from the event id, so that every delivery
    /// carries a valid trace context and redeliveries of an event carry the same trace id.
    /// </summary>
    public string TraceParent
    {
        get => _traceParent ?? EventTrace.Of(Event);
        init => _traceParent = value;
    }

    /// <summary>The W3C <c>tracestate</c> to send beside <see cref="TraceParent"/>, if any.</summary>
    public string? TraceState => Event.TraceState;
}

/// <summary>Several events delivered and acknowledged as one unit, for subscriptions with <c>batch</c>.</summary>
public sealed record EventDeliveryBatch(Guid Id, SubscriptionRef Subscription, IReadOnlyList<EventDelivery> Events)
{
    /// <summary>
    /// The W3C <c>traceparent</c> of the batch's delivery span, when tracing records one (it links
    /// to each event's append); otherwise a transport sends the first event's <see cref="EventDelivery.TraceParent"/>.
    /// </summary>
    public string? TraceParent { get; init; }
}

/// <summary>
/// A receiver's answer to a delivery: an ack, or with <see cref="Rejected"/> a reject that rewinds
/// the subscription to its committed offset. A <see cref="Reply"/> is appended as a new event
/// correlated to the delivered one.
/// </summary>
public sealed record EventDeliveryResponse
{
    /// <summary>The delivered event's id, or the batch id for a batch.</summary>
    public required Guid Id { get; init; }
    public bool Rejected { get; init; }
    public string? Info { get; init; }
    public SubscriptionRef? Subscription { get; init; }
    public NewEvent? Reply { get; init; }
    /// <summary>With <see cref="Rejected"/>: the redelivery waits at least this long (a nack with a delay, a webhook's Retry-After).</summary>
    public TimeSpan? Delay { get; init; }
}

/// <summary>What happened to an item of a collection.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChangeEventType>))]
public enum ChangeEventType
{
    [JsonStringEnumMemberName("created")] Created,
    [JsonStringEnumMemberName("updated")] Updated,
    [JsonStringEnumMemberName("deleted")] Deleted,
    /// <summary>A subscription was paused.</summary>
    [JsonStringEnumMemberName("paused")] Paused,
    /// <summary>A subscription was resumed.</summary>
    [JsonStringEnumMemberName("resumed")] Resumed,
    /// <summary>A subscription's offset was reset.</summary>
    [JsonStringEnumMemberName("reset")] Reset,
    /// <summary>A subscription parked an event (<c>sequence</c> says which).</summary>
    [JsonStringEnumMemberName("parked")] Parked,
}

/// <summary>
/// A best-effort, unacknowledged notice that an item of a collection changed; sent only to
/// ephemeral connections that asked for the collection.
/// </summary>
public sealed record ChangeEvent
{
    public required string Collection { get; init; }
    public required ChangeEventType Type { get; init; }
    public required string Namespace { get; init; }
    public string? Id { get; init; }
    public long? Sequence { get; init; }
}
