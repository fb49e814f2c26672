using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorDispatch.Model;

/// <summary>
/// A subscription: which events (<see cref="Filter"/>) go where (<see cref="Transport"/>), and how
/// (<see cref="Options"/>). Durable subscriptions are unique by namespace and name and survive restarts.
/// </summary>
public sealed record Subscription
{
    public required Guid Id { get; init; }
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public required string Transport { get; init; }
    public SubscriptionFilter Filter { get; init; } = SubscriptionFilter.Empty;
    public SubscriptionOptions Options { get; init; } = SubscriptionOptions.Empty;
    public bool Ephemeral { get; init; }
    public DateTimeOffset Created { get; init; }
    public DateTimeOffset? Updated { get; init; }

    /// <summary>Runtime status; only filled when asked for (<c>fetchstatus</c>).</summary>
    public SubscriptionStatus? Status { get; init; }

    [JsonIgnore]
    public SubscriptionRef Ref => new() { Id = Id, Namespace = Namespace, Name = Name };
}

/// <summary>What a caller supplies to create or update a subscription.</summary>
public sealed record SubscriptionInput
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public required string Transport { get; init; }
    public SubscriptionFilter Filter { get; init; } = SubscriptionFilter.Empty;
    public SubscriptionOptions Options { get; init; } = SubscriptionOptions.Empty;
}

/// <summary>A durable subscription's runtime state, for monitoring.</summary>
public sealed record SubscriptionStatus
{
    /// <summary>The committed offset: every event up to this sequence has been acked (or skipped by the filter).</summary>
    public long CurrentOffset { get; init; }
    public int InFlight { get; init; }
    /// <summary>Events in the namespace after the committed offset.</summary>
    public long Lag { get; init; }
    /// <summary>The id of the connection the dispatcher is bound to, if any.</summary>
    public string? Connection { get; init; }
    public long Delivered { get; init; }
    public long Redelivered { get; init; }
    /// <summary>Journal pages read by the dispatcher, and events in them.</summary>
    public long PagesRead { get; init; }
    public long EventsRead { get; init; }
    /// <summary>Paused: the offset and connections are kept and nothing is delivered.</summary>
    public bool Paused { get; init; }
    /// <summary>Events in the subscription's parked list.</summary>
    public int Parked { get; init; }
    /// <summary>How long the oldest delivery in flight has waited for its answer (e.g. <c>1.5s</c>); absent when none is in flight.</summary>
    public string? OldestUnackedAge { get; init; }
    /// <summary>In a cluster, the name of the node that dispatches the subscription; absent on a single node.</summary>
    public string? Node { get; init; }
}

/// <summary>
/// An event that exhausted <c>maxDeliveries</c>: recorded durably in its subscription's parked
/// list, passed by the committed offset, and kept until it is replayed and acked, or discarded.
/// </summary>
public sealed record ParkedEvent
{
    public required long Sequence { get; init; }
    public required Guid Id { get; init; }
    /// <summary>The failed attempts that parked it.</summary>
    public required int Deliveries { get; init; }
    /// <summary>Why the last attempt failed.</summary>
    public string? Reason { get; init; }
    /// <summary>When it was parked.</summary>
    public required DateTimeOffset Parked { get; init; }
}

/// <summary>
/// Regular expressions that must all match for an event to be delivered. An empty or absent
/// pattern matches anything; a field the event lacks matches only an empty pattern.
/// </summary>
[JsonConverter(typeof(SubscriptionFilterJsonConverter))]
public sealed record SubscriptionFilter
{
    public static readonly SubscriptionFilter Empty = new();

    /// <summary>Matched against the event's <c>type</c>.</summary>
    public string? Events { get; init; }
    public string? Topic { get; init; }
    public string? Tag { get; init; }
    public string? Author { get; init; }
    public string? Group { get; init; }
    /// <summary>FireFly's <c>transaction.type</c>.</summary>
    public string? TransactionType { get; init; }
}

/// <summary>
/// Subscription options: the core ones the engine interprets, and the transport's own in
/// <see cref="Transport"/>, validated by that transport's JSON Schema. Unset core options take
/// the engine's defaults (see the reference HOCON).
/// </summary>
[JsonConverter(typeof(SubscriptionOptionsJsonConverter))]
public sealed record SubscriptionOptions
{
    public static readonly SubscriptionOptions Empty = new();

    /// <summary><c>oldest</c>, <c>newest</c> (default) or the sequence of the first event to deliver.</summary>
    public string? FirstEvent { get; init; }
    /// <summary>Events (or batches) in flight beyond the first: 0..65535, default 0.</summary>
    public int? ReadAhead { get; init; }
    /// <summary>Deliver the payload; default false (FireFly), though a transport may default it to true.</summary>
    public bool? WithData { get; init; }
    public bool? Batch { get; init; }
    public int? BatchSize { get; init; }
    /// <summary>A duration such as <c>50ms</c> or <c>1m30s</c>; a bare number is milliseconds.</summary>
    public string? BatchTimeout { get; init; }
    /// <summary>
    /// A duration: a delivery not answered within it fails like a reject (the subscription rewinds
    /// and redelivers). Default none: a delivery waits for its answer as long as its connection lives.
    /// </summary>
    public string? AckTimeout { get; init; }
    /// <summary>
    /// Failed attempts (reject, delivery error, ack timeout) after which an event is parked and
    /// delivery goes on with the next one; 0 (the default) retries for ever.
    /// </summary>
    public int? MaxDeliveries { get; init; }
    /// <summary>The pause before the n-th redelivery of an event (durations; the last repeats). Default: a pause doubling from rewind-backoff-min to max.</summary>
    public IReadOnlyList<string>? Backoff { get; init; }

    /// <summary>Options that belong to the transport, by their JSON names.</summary>
    public ImmutableSortedDictionary<string, JsonElement> Transport { get; init; } =
        ImmutableSortedDictionary<string, JsonElement>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>The value of a transport option, if present.</summary>
    public JsonElement? GetTransportOption(string name) => Transport.TryGetValue(name, out var v) ? v : null;

    public bool Equals(SubscriptionOptions? other) =>
        other is not null && FirstEvent == other.FirstEvent && ReadAhead == other.ReadAhead &&
        WithData == other.WithData && Batch == other.Batch && BatchSize == other.BatchSize &&
        BatchTimeout == other.BatchTimeout && AckTimeout == other.AckTimeout && MaxDeliveries == other.MaxDeliveries &&
        (Backoff is null ? other.Backoff is null : other.Backoff is not null && Backoff.SequenceEqual(other.Backoff)) && Transport.Count == other.Transport.Count &&
        Transport.All(kv => other.Transport.TryGetValue(kv.Key, out var o) && JsonElement.DeepEquals(kv.Value, o));

    public override int GetHashCode() => HashCode.Combine(FirstEvent, ReadAhead, WithData, Batch, BatchSize, BatchTimeout, AckTimeout, MaxDeliveries);
}
