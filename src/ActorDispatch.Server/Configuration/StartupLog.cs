using ActorDispatch.Configuration;
using Akka.Actor;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ActorDispatch.Server.Configuration;

/// <summary>
/// One line once the server listens: version, node, storage (without credentials or paths) and its
/// durability, .NET's GC mode (what a measured figure depends on), config
/// file and addresses, read from the server itself (a port 0 is resolved by then); and one when it stops.
/// </summary>
internal static class StartupLog
{
    public static void Register(WebApplication app, ServerSettings settings)
    {
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ActorDispatch.Server");
        lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var durability = StorageConfig.DurabilityOf(app.Services.GetRequiredService<ActorSystem>()).Name();
            logger.LogInformation("ActorDispatch {Version} started: node {Node} ({Mode}), storage {Storage}, durability {Durability}, GC {Gc}, config file {ConfigFile}, listening on {Urls}",
                ServerVersion.Value, settings.NodeName, settings.Cluster is null ? "single node" : "cluster member", settings.StorageDescription, durability,
                GcMode.Describe(), settings.ConfigFile is { } file ? Path.GetFileName(file) : "none", string.Join(", ", addresses));
        });
        lifetime.ApplicationStopping.Register(() => logger.LogInformation("ActorDispatch node {Node} stopping", settings.NodeName));
    }
}
