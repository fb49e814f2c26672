using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// The real server (<see cref="ServerApp.Build"/>: REST, <c>/ws</c>, webhooks) in this process on
/// Kestrel at <c>127.0.0.1</c> with a free port, on a fresh SQLite file in its own temporary
/// directory. Disposing stops it (bounded) and deletes the directory.
/// </summary>
internal sealed class ServerHost : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly WebApplication _app;
    private readonly string _directory;

    private ServerHost(WebApplication app, string directory, Uri address)
    {
        _app = app;
        _directory = directory;
        Address = address;
        Engine = app.Services.GetRequiredService<IActorDispatch>();
    }

    /// <summary>The engine the server runs, for appends and subscription management in process.</summary>
    public IActorDispatch Engine { get; }

    /// <summary>The bound <c>http://127.0.0.1:port/</c>.</summary>
    public Uri Address { get; }

    /// <param name="settings">More server settings, <c>--ActorDispatch:…=…</c> (the AMQP broker).</param>
    public static async Task<ServerHost> StartAsync(string name, CancellationToken ct, params string[] settings)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"actordispatch-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var app = ServerApp.Build(
        [
            "--urls", "http://127.0.0.1:0",
            $"--ActorDispatch:Storage:Sqlite={Path.Combine(directory, "events.db")}",
            $"--ActorDispatch:NodeName={name}",
            "--Logging:LogLevel:Default=Warning",
            "--ActorDispatch:Egress:Allow=127.0.0.0/8", // the webhook receiver is on loopback
            .. settings,
        ]);
        try
        {
            await app.StartAsync(ct);
            // With port 0, Urls holds the port Kestrel bound once it has started.
            var address = new Uri(app.Urls.First());
            return new ServerHost(app, directory, address);
        }
        catch
        {
            await StopAsync(app, directory);
            throw;
        }
    }

    /// <summary>The WebSocket URL of <c>/ws</c> with the given query.</summary>
    public Uri WebSocketUri(string query) => new UriBuilder(Address) { Scheme = "ws", Path = "/ws", Query = query }.Uri;

    public ValueTask DisposeAsync() => new(StopAsync(_app, _directory));

    private static async Task StopAsync(WebApplication app, string directory)
    {
        try
        {
            // Stopping the host runs the actor system's coordinated shutdown (offsets flushed, journal closed).
            using (var timeout = new CancellationTokenSource(StopTimeout))
                await app.StopAsync(timeout.Token);
            await app.DisposeAsync().AsTask().WaitAsync(StopTimeout);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            Progress.Log($"server did not stop within {StopTimeout.TotalSeconds:F0} s; abandoning it");
        }
        // Pooled connections keep the file open; release them before deleting it.
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException e)
        {
            Progress.Log($"could not delete {directory}: {e.Message}");
        }
    }
}
