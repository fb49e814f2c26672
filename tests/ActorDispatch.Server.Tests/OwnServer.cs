using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;

namespace ActorDispatch.Server.Tests;

/// <summary>
/// A server of one spec's own, for settings the shared <see cref="ServerFixture"/> does not have: on
/// 127.0.0.1 with a free port and a fresh SQLite file, quiet logs, webhooks allowed to loopback, and the spec's arguments last.
/// </summary>
public sealed record OwnServer(WebApplication App, HttpClient Http, string DatabasePath) : IAsyncDisposable
{
    public static async Task<OwnServer> StartAsync(params string[] args)
    {
        var directory = Path.Combine(Path.GetTempPath(), "actordispatch-tests", $"own-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var database = Path.Combine(directory, "server.db");
        var app = ServerApp.Build([
            "--urls", "http://127.0.0.1:0", $"--ActorDispatch:Storage:Sqlite={database}", "--Logging:LogLevel:Default=Warning",
            "--ActorDispatch:Egress:Allow=127.0.0.0/8", // the webhook receivers are on loopback
            .. args,
        ]);
        await app.StartAsync();
        return new OwnServer(app, new HttpClient { BaseAddress = new Uri(app.BoundAddress()), Timeout = TimeSpan.FromSeconds(30) }, database);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Path.GetDirectoryName(DatabasePath)!, recursive: true); } catch (IOException) { } // a file still held by a closing pool
    }
}
