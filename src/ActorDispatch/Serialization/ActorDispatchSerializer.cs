using System.Text.Json;
using ActorDispatch.Connections;
using ActorDispatch.Dispatch;
using ActorDispatch.Log;
using ActorDispatch.Model;
using ActorDispatch.Subscriptions;
using SerializationException = System.Runtime.Serialization.SerializationException;
using Akka.Actor;
using Akka.Serialization;

namespace ActorDispatch.Serialization;

/// <summary>Marks engine messages that are persisted; bound to <see cref="ActorDispatchSerializer"/>.</summary>
internal interface IPersistedMessage;

/// <summary>
/// Writes the engine's persisted types, and the messages its actors send each other across a
/// cluster, as UTF-8 JSON under short, stable manifests: the store holds no CLR type names,
/// renaming a class never breaks recovery, and nodes of one version read each other's messages.
/// Actor references travel as paths with their node's address; a message inside another travels
/// with the id and manifest of its own serializer.
/// </summary>
internal sealed class ActorDispatchSerializer : SerializerWithStringManifest
{
    private static readonly Dictionary<Type, string> Manifests = new()
    {
        // Persisted: these manifests are in stores, never change them.
        [typeof(Event)] = "E",
        [typeof(LogEntry)] = "EB",
        [typeof(SubscriptionEvents.Defined)] = "SD",
        [typeof(SubscriptionEvents.Redefined)] = "SR",
        [typeof(SubscriptionEvents.OffsetCommitted)] = "SO",
        [typeof(SubscriptionEvents.Snapshot)] = "SS",
        [typeof(SubscriptionEvents.OffsetReset)] = "SX",
        [typeof(SubscriptionEvents.EventsParked)] = "SP",
        [typeof(SubscriptionEvents.ParkedRemoved)] = "SU",
        [typeof(SubscriptionEvents.PauseChanged)] = "SZ",
        [typeof(CatalogEvents.Added)] = "CA",
        [typeof(CatalogEvents.Updated)] = "CU",
        [typeof(CatalogEvents.Removed)] = "CR",
        [typeof(CatalogEvents.Snapshot)] = "CS",

        // Sent between nodes: the event logs' protocol.
        [typeof(EventLog.Append)] = "LA",
        [typeof(EventLog.Appended)] = "LD",
        [typeof(EventLog.GetHead)] = "LG",
        [typeof(EventLog.Head)] = "LH",
        [typeof(EventLog.WatchHead)] = "LW",
        [typeof(EventLog.UnwatchHead)] = "LU",
        [typeof(EventLog.EventsAppended)] = "LE",

        // The catalog's.
        [typeof(Catalog.Create)] = "KC",
        [typeof(Catalog.Saved)] = "KS",
        [typeof(Catalog.Delete)] = "KD",
        [typeof(Catalog.Deleted)] = "KX",
        [typeof(Catalog.Get)] = "KG",
        [typeof(Catalog.List)] = "KL",
        [typeof(Catalog.Listed)] = "KT",
        [typeof(Catalog.ToSubscription)] = "KF",
        [typeof(Catalog.Watch)] = "KW",
        [typeof(Catalog.View)] = "KV",
        [typeof(Catalog.Changed)] = "KH",
        [typeof(Catalog.Removed)] = "KR",
        [typeof(Subscription)] = "M",
        [typeof(SubscriptionStatus)] = "MS",

        // The durable subscriptions'.
        [typeof(SubscriptionHost.Envelope)] = "HE",
        [typeof(ConnectionRegistry.SubscriptionStarted)] = "HS",
        [typeof(DurableSubscription.Define)] = "DD",
        [typeof(DurableSubscription.Offer)] = "DO",
        [typeof(DurableSubscription.Withdraw)] = "DW",
        [typeof(DurableSubscription.Flush)] = "DF",
        [typeof(DurableSubscription.Flushed)] = "DFD",
        [typeof(DurableSubscription.Delete)] = "DX",
        [typeof(DurableSubscription.Reset)] = "DR",
        [typeof(DurableSubscription.ResetDone)] = "DRD",
        [typeof(DurableSubscription.Pause)] = "DP",
        [typeof(DurableSubscription.PauseDone)] = "DPD",
        [typeof(DurableSubscription.GetParked)] = "DG",
        [typeof(DurableSubscription.ParkedList)] = "DGD",
        [typeof(DurableSubscription.DiscardParked)] = "DC",
        [typeof(DurableSubscription.Discarded)] = "DCD",
        [typeof(DurableSubscription.ReplayParked)] = "DY",
        [typeof(DurableSubscription.Replaying)] = "DYD",
        [typeof(Dispatcher.GetStatus)] = "DS",

        // Between dispatchers and the connections of other nodes.
        [typeof(Connection.Deliver)] = "CD",
        [typeof(Connection.Responded)] = "CP",
        [typeof(Connection.DeliveryFailed)] = "CF",
    };

    private static readonly Dictionary<string, Type> Types = Manifests.ToDictionary(kv => kv.Value, kv => kv.Key);

    /// <summary>The types this serializer is bound to, besides <see cref="IPersistedMessage"/>: see <c>ActorDispatchConfig</c>.</summary>
    public static IEnumerable<Type> BoundTypes => Manifests.Keys.Where(t => !typeof(IPersistedMessage).IsAssignableFrom(t));

    private readonly JsonSerializerOptions _options;

    public ActorDispatchSerializer(ExtendedActorSystem system) : base(system)
    {
        _options = new JsonSerializerOptions(ActorDispatchJson.Options);
        _options.Converters.Add(new ActorRefJsonConverter(system));
        _options.Converters.Add(new NestedMessageJsonConverter(system));
        _options.MakeReadOnly(populateMissingResolver: true);
    }

    public override int Identifier => 4711;

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var m) ? m : throw new ArgumentException($"ActorDispatchSerializer cannot serialize {o.GetType()}");

    public override byte[] ToBinary(object obj) => obj is LogEntry { Json: { } json }
        ? json
        : JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _options);

    public override object FromBinary(byte[] bytes, string manifest) =>
        Types.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, _options)!
            : throw new SerializationException($"ActorDispatchSerializer: unknown manifest '{manifest}'");
}
