using System.Net;
using ActorDispatch.Hosting;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorDispatch.Transports.WebSockets.Tests.Support;

/// <summary>
/// A real server: Kestrel on 127.0.0.1 with a free port, the engine on a fresh SQLite file, and the
/// WebSocket endpoint at <c>/ws</c>. Tests reach the engine through <see cref="IActorDispatch"/> from DI.
/// One per test class (<see cref="IClassFixture{T}"/>); tests isolate themselves by namespace.
/// </summary>
public class WebSocketServer : IAsyncLifetime
{
    // Short engine intervals, so that commits, polls and rewinds happen within a test's patience.
    private const string EngineTuning = """
        actordispatch.dispatch {
          commit-interval = 100ms
          poll-interval = 500ms
          rewind-backoff-min = 50ms
          rewind-backoff-max = 200ms
        }
        akka.loglevel = WARNING
        """;

    private WebApplication? _app;

    /// <summary>HOCON for <c>actordispatch.transports.websockets</c>; empty keeps the defaults.</summary>
    protected virtual string TransportHocon => "";

    /// <summary>HOCON over the engine's test tuning; empty keeps it.</summary>
    protected virtual string EngineHocon => "";

    /// <summary>The SQLite file; a fresh one unless set (e.g. to restart on the file of an earlier server).</summary>
    public string DatabasePath { get; init; } = Path.Combine(Path.GetTempPath(), "actordispatch-ws-tests", $"{Guid.NewGuid():N}.db");

    /// <summary>Leaves the SQLite file in place on dispose, for a server started on it afterwards.</summary>
    public bool KeepDatabase { get; init; }

    public Uri HttpUri { get; private set; } = null!;

    public Uri WebSocketUri => new($"ws://{HttpUri.Authority}/ws");

    public IActorDispatch Dispatch { get; private set; } = null!;

    public WebSocketsTransport Transport { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Warning);
        // ACTORDISPATCH_TEST_LOGS=1 shows the server's logs (the transport's at Debug) on the console.
        if (Environment.GetEnvironmentVariable("ACTORDISPATCH_TEST_LOGS") == "1")
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).AddFilter("ActorDispatch", LogLevel.Debug);
        builder.Services
            .AddActorDispatch()
            .AddActorDispatchWebSockets()
            .AddAkka($"ws-spec-{Guid.NewGuid():N}", (akka, sp) => akka
                .AddHocon(EngineHocon + "\n" + EngineTuning + "\n" + TransportHocon, HoconAddMode.Prepend)
                .WithActorDispatch(o =>
                {
                    o.SqlitePath = DatabasePath;
                    o.AddWebSockets(sp);
                }));
        _app = builder.Build();
        _app.MapActorDispatchWebSockets();
        await _app.StartAsync();

        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        HttpUri = new Uri(address);
        Dispatch = _app.Services.GetRequiredService<IActorDispatch>();
        Transport = _app.Services.GetRequiredService<WebSocketsTransport>();
        await ((ActorDispatchEngine)Dispatch).Ready.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Stops the host as a deployment would: the endpoint's connections are closed with 1001 first.</summary>
    public async Task StopAsync()
    {
        if (_app is not null) await _app.StopAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (KeepDatabase) return;
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            try
            {
                File.Delete(DatabasePath + suffix);
            }
            catch (IOException)
            {
                // Best effort: the temp directory is cleaned by the OS eventually.
            }
        }
    }
}

/// <summary>A server with quick keep-alive (1 s ping, 1 s timeout), at most 3 connections, 4 KiB frames, 2 ephemeral subscriptions a connection and readahead 50.</summary>
public sealed class TunedWebSocketServer : WebSocketServer
{
    protected override string TransportHocon => """
        actordispatch.transports.websockets {
          pingInterval = 1s
          pingTimeout = 1s
          maxConnections = 3
          maxFrameSize = 4KiB
          maxEphemeralSubscriptions = 2
          maxReadAhead = 50
        }
        """;
}

/// <summary>A server whose subscriptions snapshot every 5 offset commits (one every half second while busy).</summary>
public sealed class SnapshottingWebSocketServer : WebSocketServer
{
    protected override string EngineHocon => "actordispatch.dispatch.snapshot-every = 5";
}

/// <summary>A server that closes a connection with more than 64 KiB of deliveries waiting to be written; keep-alive as by default.</summary>
public sealed class SlowConsumerWebSocketServer : WebSocketServer
{
    protected override string TransportHocon => "actordispatch.transports.websockets.maxQueuedBytes = 64KiB";
}
