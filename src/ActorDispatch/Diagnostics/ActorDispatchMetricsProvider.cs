using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.DependencyInjection;

namespace ActorDispatch.Diagnostics;

/// <summary>
/// Creates a system's <see cref="ActorDispatchMetrics"/>. In a host (Akka.Hosting gives the system
/// the host's services) the meter comes from the host's <see cref="IMeterFactory"/>, so that the
/// host's metrics pipeline can keep to its own engine when several run in one process; otherwise
/// it is a meter of its own, disposed when the system terminates.
/// </summary>
internal sealed class ActorDispatchMetricsProvider : ExtensionIdProvider<ActorDispatchMetrics>
{
    public override ActorDispatchMetrics CreateExtension(ExtendedActorSystem system)
    {
        var metrics = new ActorDispatchMetrics(MeterFactory(system));
        system.RegisterOnTermination(metrics.Dispose);
        return metrics;
    }

    private static IMeterFactory? MeterFactory(ActorSystem system)
    {
        if (!system.Settings.Setup.Get<DependencyResolverSetup>().HasValue) return null;
        try
        {
            return DependencyResolver.For(system).Resolver.GetService<IMeterFactory>();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            return null; // a container being disposed: count without it
        }
    }
}
