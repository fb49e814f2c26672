using ActorDispatch.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace ActorDispatch.Transports.Mqtt;

/// <summary>
/// Wires the <c>mqtt</c> transport into a host. The transport is one DI singleton, added to the
/// engine's transports; the container disposes it (a clean MQTT disconnect) when the host stops:
/// <code>
/// builder.Services
///     .AddActorDispatch()
///     .AddActorDispatchMqtt(o => o.Server = "broker.internal:1883")
///     .AddAkka("dispatch", (akka, sp) => akka.WithActorDispatch(o => o.AddMqtt(sp)));
/// </code>
/// Everything not set here comes from HOCON <c>actordispatch.transports.mqtt</c>.
/// </summary>
public static class MqttHostingExtensions
{
    /// <summary>
    /// Registers <see cref="MqttTransport"/> as a singleton (once, however often called), logging to
    /// the host's logger factory unless <paramref name="configure"/> sets one.
    /// </summary>
    public static IServiceCollection AddActorDispatchMqtt(this IServiceCollection services, Action<MqttTransportOptions>? configure = null)
    {
        services.TryAddSingleton(sp =>
        {
            var options = new MqttTransportOptions { LoggerFactory = sp.GetService<ILoggerFactory>() };
            configure?.Invoke(options);
            return new MqttTransport(options);
        });
        return services;
    }

    /// <summary>Adds the DI-registered <see cref="MqttTransport"/> to the engine's transports.</summary>
    public static ActorDispatchOptions AddMqtt(this ActorDispatchOptions options, IServiceProvider services)
    {
        options.Transports.Add(services.GetService<MqttTransport>()
            ?? throw new InvalidOperationException("MqttTransport is not registered: call services.AddActorDispatchMqtt() first"));
        return options;
    }
}
