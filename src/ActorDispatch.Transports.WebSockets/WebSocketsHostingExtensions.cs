using ActorDispatch.Hosting;
using ActorDispatch.Transports.WebSockets.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ActorDispatch.Transports.WebSockets;

/// <summary>
/// Wires the <c>websockets</c> transport into an ASP.NET Core host. The transport is one DI singleton
/// that both the engine (as a transport) and the endpoint (to hand it connections) use:
/// <code>
/// builder.Services
///     .AddActorDispatch()
///     .AddActorDispatchWebSockets()
///     .AddAkka("dispatch", (akka, sp) => akka.WithActorDispatch(o => o.AddWebSockets(sp)));
/// var app = builder.Build();
/// app.MapActorDispatchWebSockets();          // ws://host/ws
/// </code>
/// </summary>
public static class WebSocketsHostingExtensions
{
    /// <summary>Registers <see cref="WebSocketsTransport"/> as a singleton (once, however often called).</summary>
    public static IServiceCollection AddActorDispatchWebSockets(this IServiceCollection services)
    {
        services.TryAddSingleton<WebSocketsTransport>();
        return services;
    }

    /// <summary>Adds the DI-registered <see cref="WebSocketsTransport"/> to the engine's transports.</summary>
    public static ActorDispatchOptions AddWebSockets(this ActorDispatchOptions options, IServiceProvider services)
    {
        options.Transports.Add(Resolve(services));
        return options;
    }

    /// <summary>
    /// Maps the WebSocket endpoint (default <c>/ws</c>) for the DI-registered transport. WebSocket
    /// support is included (no <c>UseWebSockets</c> needed); keep-alive pings and dead-peer detection
    /// follow the transport's <c>pingInterval</c> and <c>pingTimeout</c>. Returns the endpoint's
    /// builder, e.g. to add authorization.
    /// </summary>
    public static IEndpointConventionBuilder MapActorDispatchWebSockets(this IEndpointRouteBuilder endpoints, string pattern = "/ws") =>
        endpoints.MapActorDispatchWebSockets(Resolve(endpoints.ServiceProvider), pattern);

    /// <summary>Maps the WebSocket endpoint for a given transport instance (one the engine runs).</summary>
    public static IEndpointConventionBuilder MapActorDispatchWebSockets(this IEndpointRouteBuilder endpoints, WebSocketsTransport transport, string pattern = "/ws")
    {
        ArgumentNullException.ThrowIfNull(transport);
        var pipeline = endpoints.CreateApplicationBuilder();
        pipeline.Use(ConnectionStreamUpgrade.InstallAsync);
        pipeline.UseWebSockets();
        pipeline.Run(context => WebSocketEndpoint.HandleAsync(context, transport));
        return endpoints.Map(pattern, pipeline.Build()).WithDisplayName("ActorDispatch WebSockets");
    }

    private static WebSocketsTransport Resolve(IServiceProvider services) =>
        services.GetService<WebSocketsTransport>()
        ?? throw new InvalidOperationException($"{nameof(WebSocketsTransport)} is not registered: call services.{nameof(AddActorDispatchWebSockets)}() first");
}
