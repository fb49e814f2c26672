using ActorDispatch.Hosting;
using ActorDispatch.Server.Api;
using ActorDispatch.Server.Auth;
using ActorDispatch.Server.Configuration;
using ActorDispatch.Server.Dashboard;
using ActorDispatch.Model;
using ActorDispatch.Transports.Amqp;
using ActorDispatch.Transports.Mqtt;
using ActorDispatch.Transports.Webhooks;
using ActorDispatch.Transports.WebSockets;
using Akka.Hosting;

namespace ActorDispatch.Server;

/// <summary>
/// Builds the standalone server: the engine through Akka.Hosting, the REST API under
/// <c>/api/v1</c>, health endpoints and the OpenAPI document. Tests build it the same way.
/// </summary>
public static class ServerApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var settings = ServerSettings.From(builder.Configuration);
        var auth = AuthSettings.From(builder.Configuration);
        var configFile = ConfigFile.Load(settings.ConfigFile); // a bad file stops the server here
        ServerLogging.Configure(builder, settings);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(auth);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = settings.MaxBodySize);
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi("v1", o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "ActorDispatch API";
            doc.Info.Description = "FireFly-compatible event and subscription API (see docs/protocol.md).";
            return Task.CompletedTask;
        }));
        builder.Services.AddSingleton(sp => new WebhooksTransport(new WebhooksTransportOptions
        {
            LoggerFactory = sp.GetRequiredService<ILoggerFactory>(),
            EgressAllow = settings.EgressAllow,
        }));
        builder.Services.AddActorDispatchWebSockets();
        // Always registered: without a broker it refuses amqp subscriptions saying what to configure.
        builder.Services.AddActorDispatchAmqp(o =>
        {
            o.Uri = settings.AmqpUri;
            o.EgressAllow = settings.EgressAllow;
        });
        // Always registered too: without a broker it refuses mqtt subscriptions saying what to configure.
        builder.Services.AddActorDispatchMqtt(o =>
        {
            o.Server = settings.Mqtt.Server;
            o.Username = settings.Mqtt.Username;
            o.Password = settings.Mqtt.Password;
            o.EgressAllow = settings.EgressAllow;
        });
        builder.Services.AddActorDispatch();
        builder.Services.AddAkka(settings.SystemName, (akka, sp) => akka
            .ConfigureLoggers(l => l.AddLoggerFactory())
            .WithActorDispatch(o =>
            {
                o.SqlitePath = settings.SqlitePath;
                o.PostgresConnectionString = settings.PostgresConnectionString;
                o.Durability = settings.Durability;
                o.Hocon = configFile;
                if (settings.Cluster is { } cluster)
                {
                    o.Cluster.Enabled = true;
                    o.Cluster.Hostname = cluster.Hostname;
                    o.Cluster.Port = cluster.Port;
                    o.Cluster.NodeName = settings.NodeName;
                    foreach (var seed in cluster.Seeds) o.Cluster.Seeds.Add(seed);
                }
                o.Transports.Add(sp.GetRequiredService<WebhooksTransport>());
                o.AddWebSockets(sp);
                o.AddAmqp(sp);
                o.AddMqtt(sp);
            }));
        builder.AddActorDispatchMetrics();
        builder.AddActorDispatchTracing();
        configure?.Invoke(builder);
        // Before anything is bound (and after configure, which may add addresses): never serve a
        // non-loopback address to anyone by accident.
        AnonymousExposureGuard.Check(builder.Configuration, auth);

        var app = builder.Build();
        StartupLog.Register(app, settings);
        // ErrorResponses logs the genuine faults itself, with the request; the middleware's own log
        // would add an error with a stack trace for every refusal (a 409 is not a failure).
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = ErrorResponses.WriteAsync, SuppressDiagnosticsCallback = _ => true });
        app.UseRouting(); // the auth middleware needs the {ns} route value
        app.UseActorDispatchAuth(auth, "/ws");
        app.UseBrowserGuards(settings.AllowedOrigins, "/ws");
        app.MapOpenApi("/api/openapi.json");
        app.MapHealthEndpoints();
        var api = app.MapGroup("/api/v1");
        api.MapStatusEndpoints();
        api.MapEventEndpoints();
        app.MapAppendStream();
        api.MapSubscriptionEndpoints();
        api.MapDeliveryControlEndpoints();
        api.MapGet("/websockets", (WebSocketsTransport ws) => Results.Json(ws.GetStatus(), ActorDispatchJson.Options))
            .WithTags("WebSockets").WithSummary("Connections: id, remote address, started subscriptions, in flight");
        app.MapActorDispatchWebSockets("/ws");
        app.MapActorDispatchMetrics();
        app.MapDashboard();
        return app;
    }
}
