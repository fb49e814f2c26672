using ActorDispatch.Configuration;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ActorDispatch.Hosting;

/// <summary>Embeds ActorDispatch in a host through Akka.Hosting.</summary>
public static class ActorDispatchHostingExtensions
{
    /// <summary>
    /// Adds the engine to the actor system: its reference config, the storage (SQLite at
    /// <c>data/actordispatch.db</c> unless configured), the transports, and an eager start.
    /// Pair with <see cref="AddActorDispatch"/> to resolve <see cref="IActorDispatch"/> from DI.
    /// </summary>
    public static AkkaConfigurationBuilder WithActorDispatch(this AkkaConfigurationBuilder builder, Action<ActorDispatchOptions>? configure = null)
    {
        var options = new ActorDispatchOptions();
        configure?.Invoke(options);
        builder.AddHocon(options.ToHocon(), HoconAddMode.Prepend);
        builder.AddHocon(options.StorageHocon(), HoconAddMode.Prepend);
        builder.AddHocon(ActorDispatchConfig.Reference, HoconAddMode.Append);
        builder.AddSetup(new ActorDispatchSetup(options.Transports));
        builder.AddStartup((system, _) => ActorDispatchEngine.Get(system));
        return builder;
    }

    /// <summary>Registers <see cref="IActorDispatch"/>: the engine of the host's <see cref="ActorSystem"/>.</summary>
    public static IServiceCollection AddActorDispatch(this IServiceCollection services) =>
        services.AddSingleton<IActorDispatch>(sp => ActorDispatchEngine.Get(sp.GetRequiredService<ActorSystem>()));
}
