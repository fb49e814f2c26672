using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests;

/// <summary>
/// <c>ActorDispatch:ConfigFile</c>: a HOCON file reaches engine and transport settings, loses to the
/// server's own keys, and a bad one stops the server at start; status and error bodies show no
/// paths or store internals.
/// </summary>
public sealed class ConfigFileSpec : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "actordispatch-tests", $"config-{Guid.NewGuid():N}");

    public ConfigFileSpec() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } // a file still held by a closing pool
    }

    [Fact]
    public async Task The_file_sets_engine_and_transport_settings_and_the_servers_own_keys_win()
    {
        var file = Write("""
            actordispatch {
              subscriptions.max = 2
              transports.webhooks {
                tls.internal.insecure-skip-verify = on
                # The server's ActorDispatch:Egress:Allow (loopback) replaces this.
                egress-allow = "10.0.0.0/8"
              }
            }
            """);
        await using var server = await StartAsync(file, "--ActorDispatch:Egress:Allow=127.0.0.0/8");
        var ns = NewNamespace();
        var path = $"/api/v1/namespaces/{ns}/subscriptions";

        // A TLS configuration of the file, selectable by name.
        var tls = await server.Http.PostAsync(path, Body("""{"name":"tls","transport":"webhooks","options":{"url":"https://127.0.0.1:9/hook","tlsConfigName":"internal"}}"""));
        Assert.True(tls.StatusCode == HttpStatusCode.Created, await tls.Content.ReadAsStringAsync());
        // The file's egress list is not the one in force: the server's is.
        await AssertError(await server.Http.PostAsync(path, Body("""{"name":"private","transport":"webhooks","options":{"url":"http://10.1.2.3/hook"}}""")),
            400, "10.1.2.3");
        Assert.Equal(HttpStatusCode.Created, (await server.Http.PostAsync(path, Body("""{"name":"second"}"""))).StatusCode);
        // The file's limit: the third durable subscription is refused.
        await AssertError(await server.Http.PostAsync(path, Body("""{"name":"third"}""")), 409, "subscriptions.max");
    }

    [Theory]
    [InlineData("actordispatch {\n  subscriptions {\n    max = 2\n}\n", "line 1: '{' is never closed")]
    [InlineData("actordispatch {\n  subscriptions.max = 2\n}\n}\n", "line 4: '}' closes nothing")]
    [InlineData("actordispatch.dispatch {\n  page-size = 10\n  read-ahead = [1, 2\n}\n", "line 4: '}' closes the '[' of line 3")]
    [InlineData("actordispatch.subscriptions.max = 2\nactordispatch.log.idle-timeout = @@\n", "line 2, column 34")]
    [InlineData("actordispatch.ask-timeout = \"30s\nactordispatch.subscriptions.max = 2\n", "line 1: a quoted string is not closed")]
    [InlineData("akka.loglevel = DEBUG\n", "sets 'akka'")]
    [InlineData("actordispach.subscriptions.max = 2\n", "sets 'actordispach'")]
    [InlineData("actordispatch.subscriptions.maximum = 2\n", "'actordispatch.subscriptions.maximum', which is not an engine setting")]
    [InlineData("actordispatch.cluster.enabled = on\n", "ActorDispatch:Cluster:Enabled")]
    [InlineData("actordispatch.subscriptions.max = \n", "gives 'actordispatch.subscriptions.max' no value")]
    public void A_bad_file_stops_the_server_at_start_naming_the_setting_the_file_and_the_problem(string hocon, string mentions)
    {
        var file = Write(hocon);
        var refused = Assert.Throws<InvalidOperationException>(() => ServerApp.Build(Args(file)));
        Assert.Contains("ActorDispatch:ConfigFile", refused.Message);
        Assert.Contains(file, refused.Message);
        Assert.Contains(mentions, refused.Message);
    }

    [Fact]
    public void A_missing_file_stops_the_server_at_start()
    {
        var file = Path.Combine(_dir, "missing.conf");
        var refused = Assert.Throws<InvalidOperationException>(() => ServerApp.Build(Args(file)));
        Assert.Contains("ActorDispatch:ConfigFile", refused.Message);
        Assert.Contains(file, refused.Message);
        Assert.Contains("cannot be read", refused.Message);
    }

    [Fact]
    public async Task Status_names_the_sqlite_file_but_not_where_it_lives()
    {
        await using var server = await StartAsync(Write("actordispatch.subscriptions.max = 10\n"));
        var body = await server.Http.GetStringAsync("/api/v1/status");
        Assert.Equal("sqlite:" + Path.GetFileName(server.DatabasePath), (string?)System.Text.Json.Nodes.JsonNode.Parse(body)!["storage"]);
        Assert.DoesNotContain(_dir, body);
    }

    [Theory]
    [InlineData("", "", "full")]
    [InlineData("", "--ActorDispatch:Storage:Durability=process", "process")]
    [InlineData("actordispatch.storage.durability = process", "", "process")]
    [InlineData("actordispatch.storage.durability = process", "--ActorDispatch:Storage:Durability=full", "full")]
    public async Task Status_shows_the_durability_full_unless_the_setting_or_the_file_says_process(string hocon, string arg, string expected)
    {
        await using var server = await StartAsync(Write(hocon + "\n"), arg is "" ? [] : [arg]);
        var status = System.Text.Json.Nodes.JsonNode.Parse(await server.Http.GetStringAsync("/api/v1/status"))!;
        Assert.Equal(expected, (string?)status["durability"]);
    }

    [Fact]
    public void An_unknown_durability_stops_the_server_at_start_naming_the_setting()
    {
        var refused = Assert.Throws<ActorDispatchException>(() => ServerApp.Build(Args(Write("\n"), "--ActorDispatch:Storage:Durability=fsync")));
        Assert.Contains("ActorDispatch:Storage:Durability", refused.Message);
        Assert.Contains("fsync", refused.Message);
    }

    [Fact]
    public async Task A_store_failure_answers_503_with_its_code_and_without_the_stores_own_words()
    {
        // The file's SQLite busy timeout of one second lets a lock held here fail an append quickly.
        await using var server = await StartAsync(Write("actordispatch.storage.sqlite.busy-timeout = 1\n"));
        var ns = NewNamespace();
        Assert.Equal(HttpStatusCode.Created, (await server.Http.PostAsync($"/api/v1/namespaces/{ns}/events", Body("""{"type":"a"}"""))).StatusCode);

        using (var holder = new SqliteConnection($"Data Source={server.DatabasePath};Pooling=False"))
        {
            holder.Open();
            using var exclusive = holder.CreateCommand();
            exclusive.CommandText = "BEGIN EXCLUSIVE;";
            exclusive.ExecuteNonQuery();
            var failed = await server.Http.PostAsync($"/api/v1/namespaces/{ns}/events", Body("""{"type":"b"}"""));
            var body = await failed.Content.ReadAsStringAsync();
            await AssertError(failed, 503, "AD10111");
            foreach (var internals in new[] { "SQLite", "locked", Path.GetFileName(server.DatabasePath), _dir })
                Assert.DoesNotContain(internals, body, StringComparison.OrdinalIgnoreCase);
        }
    }

    private string Write(string hocon)
    {
        var file = Path.Combine(_dir, $"{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, hocon);
        return file;
    }

    private string[] Args(string configFile, params string[] more) =>
    [
        "--urls", "http://127.0.0.1:0",
        $"--ActorDispatch:Storage:Sqlite={Path.Combine(_dir, $"{Guid.NewGuid():N}.db")}",
        $"--ActorDispatch:ConfigFile={configFile}",
        "--Logging:LogLevel:Default=Warning",
        .. more,
    ];

    private async Task<RunningServer> StartAsync(string configFile, params string[] more)
    {
        var args = Args(configFile, more);
        var app = ServerApp.Build(args);
        await app.StartAsync();
        var address = app.BoundAddress();
        var database = args.Single(a => a.StartsWith("--ActorDispatch:Storage:Sqlite=", StringComparison.Ordinal)).Split('=', 2)[1];
        return new RunningServer(app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) }, database);
    }

    private sealed record RunningServer(WebApplication App, HttpClient Http, string DatabasePath) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
