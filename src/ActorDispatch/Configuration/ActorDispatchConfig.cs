using ActorDispatch.Serialization;
using Akka.Configuration;

namespace ActorDispatch.Configuration;

/// <summary>The engine's embedded reference configuration (<c>hocon/reference.conf</c>).</summary>
public static class ActorDispatchConfig
{
    private static readonly Lazy<Config> LazyReference = new(() =>
    {
        using var stream = typeof(ActorDispatchConfig).Assembly.GetManifestResourceStream("ActorDispatch.reference.conf")
            ?? throw new InvalidOperationException("embedded resource ActorDispatch.reference.conf is missing");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd())
            .WithFallback(SerializationConfig);
    });

    /// <summary>The reference config: every <c>actordispatch</c> default and the engine's serializer bindings.</summary>
    public static Config Reference => LazyReference.Value;

    // Persisted engine types, and the messages nodes of a cluster send each other, are written with
    // the engine's own System.Text.Json serializer, not the default Newtonsoft one: compact, no CLR
    // type names in the store, stable across refactors.
    private static readonly Config SerializationConfig = ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers.actordispatch = "ActorDispatch.Serialization.ActorDispatchSerializer, ActorDispatch"
          serialization-bindings {
            "ActorDispatch.Serialization.IPersistedMessage, ActorDispatch" = actordispatch
        {{string.Join("\n", ActorDispatchSerializer.BoundTypes.Select(t => $"    \"{t.FullName}, ActorDispatch\" = actordispatch"))}}
          }
        }
        """);
}
