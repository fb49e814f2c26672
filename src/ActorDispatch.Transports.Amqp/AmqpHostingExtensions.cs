using ActorDispatch.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace ActorDispatch.Transports.Amqp;

/// <summary>
/// Wires the <c>amqp</c> transport into a host: one DI singleton, added to the engine's transports.
/// <code>
/// builder.Services
///     .AddActorDispatch()
///     .AddActorDispatchAmqp(o => o.Uri = "amqp://guest:guest@broker:5672/")
///     .AddAkka("dispatch", (akka, sp) => akka.WithActorDispatch(o => o.AddAmqp(sp)));
/// </code>
/// </summary>
public static class AmqpHostingExtensions
{
    /// <summary>Registers <see cref="AmqpTransport"/> as a singleton (once, however often called), logging through the host's loggers.</summary>
    public static IServiceCollection AddActorDispatchAmqp(this IServiceCollection services, Action<AmqpTransportOptions>? configure = null)
    {
        services.TryAddSingleton(sp =>
        {
            var options = new AmqpTransportOptions { LoggerFactory = sp.GetService<ILoggerFactory>() };
            configure?.Invoke(options);
            return new AmqpTransport(options);
        });
        return services;
    }

    /// <summary>Adds the DI-registered <see cref="AmqpTransport"/> to the engine's transports.</summary>
    public static ActorDispatchOptions AddAmqp(this ActorDispatchOptions options, IServiceProvider services)
    {
        options.Transports.Add(services.GetService<AmqpTransport>()
            ?? throw new InvalidOperationException($"{nameof(AmqpTransport)} is not registered: call services.{nameof(AddActorDispatchAmqp)}() first"));
        return options;
    }
}
