using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ActorDispatch.Server.Tests;

/// <summary>
/// The real server on 127.0.0.1 with a free port and a fresh SQLite file, shared by one test class;
/// each test uses its own namespace.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public string DatabasePath { get; } = Path.Combine(Path.GetTempPath(), "actordispatch-tests", $"server-{Guid.NewGuid():N}.db");

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        _app = ServerApp.Build([
            "--urls", "http://127.0.0.1:0",
            $"--ActorDispatch:Storage:Sqlite={DatabasePath}",
            "--ActorDispatch:MaxBodySize=65536",
            $"--ActorDispatch:MaxListBytes={MaxListBytes}",
            $"--ActorDispatch:AllowedOrigins={AllowedOrigin}",
            "--ActorDispatch:Egress:Allow=127.0.0.0/8", // the webhook receivers are on loopback
            "--Logging:LogLevel:Default=Warning",
        ]);
        await _app.StartAsync();
        var address = _app.BoundAddress();
        BaseAddress = new Uri(address);
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    public static string NewNamespace() => $"t{Guid.NewGuid():N}"[..12];

    public static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>No body, as application/json: what every POST and PUT must say, also one that carries nothing.</summary>
    public static StringContent NoBody() => new("", Encoding.UTF8, "application/json");

    /// <summary>About how many bytes of events one list answer of this server holds.</summary>
    public const int MaxListBytes = 256 * 1024;

    /// <summary>A web origin, other than the server's own, that this server lets open <c>/ws</c>.</summary>
    public const string AllowedOrigin = "http://127.0.0.1:9";

    public static async Task<JsonNode> ReadJson(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    /// <summary>Asserts an error response: the status, an AD code, and the field or words it must name.</summary>
    public static async Task AssertError(HttpResponseMessage response, int status, string mentions)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        var error = JsonNode.Parse(body)!["error"]!.GetValue<string>();
        Assert.Matches("^AD1\\d{4}: ", error);
        Assert.Contains(mentions, error);
    }
}

[CollectionDefinition(nameof(ServerCollection))]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>;
