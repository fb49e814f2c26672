using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;

namespace ActorDispatch.Serialization;

/// <summary>
/// Writes an actor reference as its full path with the node's address, as Akka.Remote does, and
/// resolves it on the receiving node: a reply or an offer sent across the cluster reaches the actor
/// it names.
/// </summary>
internal sealed class ActorRefJsonConverter(ExtendedActorSystem system) : JsonConverter<IActorRef>
{
    public override IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() is { Length: > 0 } path ? system.Provider.ResolveActorRef(path) : ActorRefs.Nobody;

    public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Akka.Serialization.Serialization.SerializedActorPath(value));
}
