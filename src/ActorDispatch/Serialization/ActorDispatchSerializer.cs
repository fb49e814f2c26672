using System.Text.Json;
using ActorDispatch.Log;
using ActorDispatch.Model;
using ActorDispatch.Subscriptions;
using SerializationException = System.Runtime.Serialization.SerializationException;
using Akka.Actor;
using Akka.Serialization;

namespace ActorDispatch.Serialization;

/// <summary>Marks engine messages that are persisted (and later sent between nodes); bound to <see cref="ActorDispatchSerializer"/>.</summary>
internal interface IPersistedMessage;

/// <summary>
/// Writes the engine's persisted types as UTF-8 JSON under short, stable manifests, so the store
/// holds no CLR type names and renaming a class never breaks recovery.
/// </summary>
internal sealed class ActorDispatchSerializer : SerializerWithStringManifest
{
    private static readonly Dictionary<Type, string> Manifests = new()
    {
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
    };

    private static readonly Dictionary<string, Type> Types = Manifests.ToDictionary(kv => kv.Value, kv => kv.Key);

    public ActorDispatchSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    public override int Identifier => 4711;

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var m) ? m : throw new ArgumentException($"ActorDispatchSerializer cannot serialize {o.GetType()}");

    public override byte[] ToBinary(object obj) => obj is LogEntry { Json: { } json }
        ? json
        : JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), ActorDispatchJson.Options);

    public override object FromBinary(byte[] bytes, string manifest) =>
        Types.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, ActorDispatchJson.Options)!
            : throw new SerializationException($"ActorDispatchSerializer: unknown manifest '{manifest}'");
}
