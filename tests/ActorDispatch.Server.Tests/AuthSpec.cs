using System.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorDispatch.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static ActorDispatch.Server.Tests.AuthFixture;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests;

/// <summary>Basic auth from a bcrypt password file and API keys; roles and namespaces; no anonymous exposure; HTTPS.</summary>
public sealed class AuthSpec(AuthFixture server) : IClassFixture<AuthFixture>
{
    private const string Event = """{"type":"order.created","topic":"orders","data":{"n":1}}""";
    private const string Subscription = """{"name":"app1"}""";

    [Theory]
    [InlineData("/api/v1/status")]
    [InlineData("/api/v1/namespaces/default/events")]
    [InlineData("/api/v1/websockets")]
    public async Task Without_credentials_an_api_route_is_401_with_the_basic_challenge(string path)
    {
        var response = await server.SendAsync(HttpMethod.Get, path, null);
        await AssertError(response, 401, "authentication required");
        Assert.Equal("Basic realm=\"ActorDispatch\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [InlineData("admin", "wrong")]
    [InlineData("admin", "")]
    [InlineData("nobody", Password)]
    public async Task A_wrong_password_or_unknown_user_is_401(string user, string password)
    {
        var response = await server.SendAsync(HttpMethod.Get, "/api/v1/status", Basic(user, password));
        await AssertError(response, 401, "authentication required");
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_also_right_after_the_right_one_was_cached()
    {
        Assert.Equal(HttpStatusCode.OK, (await server.SendAsync(HttpMethod.Get, "/api/v1/status", Basic("admin"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.SendAsync(HttpMethod.Get, "/api/v1/status", Basic("admin"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.SendAsync(HttpMethod.Get, "/api/v1/status", Basic("admin", Password + "x"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.SendAsync(HttpMethod.Get, "/api/v1/status", Basic("writer", "wrong"))).StatusCode);
    }

    [Fact]
    public async Task A_reader_may_get_but_neither_append_nor_manage_subscriptions()
    {
        var ns = NewNamespace();
        Assert.Equal(HttpStatusCode.OK, (await server.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/events", Basic("reader"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/subscriptions", Basic("reader"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.SendAsync(HttpMethod.Get, "/api/v1/status", Basic("reader"))).StatusCode);
        await AssertError(await server.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/events", Basic("reader"), Event), 403, "needs writer");
        await AssertError(await server.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/subscriptions", Basic("reader"), Subscription), 403, "needs admin");
        await AssertError(await server.SendAsync(HttpMethod.Get, "/api/v1/websockets", Basic("reader")), 403, "needs admin");
        Assert.Empty((await ReadJson(await server.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/events", Basic("reader")))).AsArray());
    }

    [Fact]
    public async Task A_writer_may_append_but_not_manage_subscriptions()
    {
        var ns = NewNamespace();
        Assert.Equal(HttpStatusCode.Created, (await server.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/events", Basic("writer"), Event)).StatusCode);
        await AssertError(await server.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/subscriptions", Basic("writer"), Subscription), 403, "needs admin");
        await AssertError(await server.SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ns}/subscriptions", Basic("writer"), Subscription), 403, "needs admin");
        await AssertError(await server.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/subscriptions/app1", Basic("writer")), 403, "needs admin");
        Assert.Single((await ReadJson(await server.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/events", Basic("writer")))).AsArray());
    }

    [Fact]
    public async Task An_admin_may_do_everything()
    {
        var ns = NewNamespace();
        Assert.Equal(HttpStatusCode.Created, (await server.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/subscriptions", Basic("admin"), Subscription)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await server.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/events", Basic("admin"), Event)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/subscriptions/app1/pause", Basic("admin"), "")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.SendAsync(HttpMethod.Get, "/api/v1/websockets", Basic("admin"))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await server.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/subscriptions/app1", Basic("admin"))).StatusCode);
    }

    [Fact]
    public async Task A_principal_of_some_namespaces_is_403_outside_them()
    {
        Assert.Equal(HttpStatusCode.OK, (await server.SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{ScopedNamespace}/subscriptions", Basic("scoped"), Subscription)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await server.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/other1/events", Basic("scoped"), Event)).StatusCode);
        var outside = NewNamespace();
        await AssertError(await server.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{outside}/events", Basic("scoped")), 403, $"namespace '{outside}'");
        await AssertError(await server.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{outside}/subscriptions", Basic("scoped"), Subscription), 403, "may not use");
        await AssertError(await server.SendAsync(HttpMethod.Get, "/api/v1/websockets", Basic("scoped")), 403, "needs all");
        Assert.Equal(HttpStatusCode.OK, (await server.SendAsync(HttpMethod.Get, "/api/v1/status", Basic("scoped"))).StatusCode);
    }

    [Fact]
    public async Task An_api_key_works_as_a_bearer_token_with_its_role()
    {
        var ns = NewNamespace();
        var bearer = new AuthenticationHeaderValue("Bearer", ReaderKey);
        Assert.Equal(HttpStatusCode.OK, (await server.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/events", bearer)).StatusCode);
        await AssertError(await server.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/events", bearer, Event), 403, "'dashboard' has role reader");
        await AssertError(await server.SendAsync(HttpMethod.Get, "/api/v1/status", new AuthenticationHeaderValue("Bearer", ReaderKey + "0")), 401, "authentication required");
        // access_token is for browsers' WebSockets only, not for REST
        await AssertError(await server.SendAsync(HttpMethod.Get, $"/api/v1/status?access_token={ReaderKey}", null), 401, "authentication required");
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/api/openapi.json")]
    public async Task Health_and_the_openapi_document_stay_open(string path)
    {
        var response = await server.SendAsync(HttpMethod.Get, path, null);
        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.True(response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{path}: {(int)response.StatusCode}");
    }

    [Fact]
    public async Task The_websocket_needs_credentials_by_header_or_access_token()
    {
        var uri = new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = "/ws" }.Uri;
        Assert.Contains("401", (await Assert.ThrowsAsync<WebSocketException>(() => WebSockets.ConnectAsync(uri))).Message);
        Assert.Contains("401", (await Assert.ThrowsAsync<WebSocketException>(() => WebSockets.ConnectAsync(uri, Authorization(Basic("admin", "wrong"))))).Message);

        await AssertOpens(uri, Basic("reader"));
        await AssertOpens(uri, new AuthenticationHeaderValue("Bearer", ReaderKey));
        await AssertOpens(new UriBuilder(uri) { Query = $"access_token={ReaderKey}" }.Uri, null);
    }

    [Fact]
    public async Task The_append_stream_needs_a_writer_of_its_namespace()
    {
        Uri Stream(string ns) => new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = $"/api/v1/namespaces/{ns}/events/stream" }.Uri;
        Assert.Contains("401", (await Assert.ThrowsAsync<WebSocketException>(() => WebSockets.ConnectAsync(Stream("orders")))).Message);
        Assert.Contains("403", (await Assert.ThrowsAsync<WebSocketException>(() => WebSockets.ConnectAsync(Stream("orders"), Authorization(Basic("reader"))))).Message);
        Assert.Contains("403", (await Assert.ThrowsAsync<WebSocketException>(
            () => WebSockets.ConnectAsync(Stream("elsewhere"), Authorization(Basic("scoped"))))).Message);

        using var ws = await WebSockets.ConnectAsync(Stream("orders"), Authorization(Basic("writer")));
        await ws.SendAsync(Encoding.UTF8.GetBytes("""{"type":"by_writer"}"""), WebSocketMessageType.Text, true, CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.Equal("appended", (string?)(await ws.ReceiveJsonAsync(cts.Token))["type"]);
        await AssertOpens(Stream(ScopedNamespace), Basic("scoped"));
    }

    [Fact]
    public async Task A_principal_of_some_namespaces_may_start_subscriptions_over_the_websocket_only_in_them()
    {
        var uri = new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = "/ws" }.Uri;
        await AssertOpens(uri, Basic("scoped"));

        // A namespace in the query string is checked at the upgrade, and every start message after it,
        // since one connection may start subscriptions in several.
        Assert.Contains("403", (await Assert.ThrowsAsync<WebSocketException>(
            () => WebSockets.ConnectAsync(new UriBuilder(uri) { Query = "namespace=elsewhere&ephemeral" }.Uri, Authorization(Basic("scoped"))))).Message);

        using var ws = await WebSockets.ConnectAsync(new UriBuilder(uri) { Query = $"namespace={ScopedNamespace}&ephemeral" }.Uri, Authorization(Basic("scoped")));
        await ws.SendAsync(Encoding.UTF8.GetBytes("""{"type":"start","namespace":"elsewhere","ephemeral":true}"""), WebSocketMessageType.Text, true, CancellationToken.None);
        await AssertRefusedStartAsync(ws);
    }

    // The transport answers a start outside the credentials' namespaces with a protocol error and 1008.
    private static async Task AssertRefusedStartAsync(ClientWebSocket ws)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[4096];
        var text = new StringBuilder();
        while (true)
        {
            var result = await ws.ReceiveAsync(buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close) break;
            text.Append(Encoding.UTF8.GetString(buffer, 0, result.Count));
        }
        Assert.Contains("AD10314", text.ToString());
        Assert.Contains("elsewhere", text.ToString());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, ws.CloseStatus);
    }

    [Theory]
    [InlineData("--urls http://0.0.0.0:0")]
    [InlineData("--urls http://*:0")]
    [InlineData("--urls http://+:0")]
    [InlineData("--urls http://[::]:0")]
    [InlineData("--urls http://127.0.0.1:0;http://192.0.2.1:0")]
    [InlineData("--urls= --http_ports=0")] // ports bind every interface, when no urls are given
    [InlineData("--Kestrel:Endpoints:Public:Url=http://0.0.0.0:0")]
    public async Task Without_auth_the_server_refuses_a_non_loopback_address_before_listening(string addresses)
    {
        var options = addresses.Split(' ');
        // Build checks before Kestrel exists: nothing is bound, nothing connects.
        var refused = Assert.Throws<InvalidOperationException>(() => ServerApp.Build([.. options, $"--ActorDispatch:Storage:Sqlite={TempDatabase()}"]));
        Assert.Contains("ActorDispatch:Auth:PasswordFile", refused.Message);
        Assert.Contains("ActorDispatch:Auth:AllowAnonymous", refused.Message);

        var allowed = ServerApp.Build([.. options, "--ActorDispatch:Auth:AllowAnonymous=true", $"--ActorDispatch:Storage:Sqlite={TempDatabase()}"]);
        await allowed.DisposeAsync(); // built, never started
    }

    [Theory]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("http://localhost:0")]
    [InlineData("http://[::1]:0")]
    public async Task Without_auth_a_loopback_address_is_fine(string url)
    {
        var app = ServerApp.Build(["--urls", url, $"--ActorDispatch:Storage:Sqlite={TempDatabase()}"]);
        await app.DisposeAsync(); // built, never started
    }

    [Fact]
    public async Task Https_uses_kestrels_certificate_settings()
    {
        var directory = Path.Combine(Path.GetTempPath(), "actordispatch-tests", $"https-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        using var certificate = SelfSignedCertificate();
        var pfx = Path.Combine(directory, "server.pfx");
        const string pfxPassword = "test-pfx";
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, pfxPassword));
        var app = ServerApp.Build([
            "--urls", "https://127.0.0.1:0",
            $"--Kestrel:Certificates:Default:Path={pfx}",
            $"--Kestrel:Certificates:Default:Password={pfxPassword}",
            $"--ActorDispatch:Storage:Sqlite={Path.Combine(directory, "server.db")}",
            $"--ActorDispatch:Auth:ApiKeys:ops:Sha256={Convert.ToHexString(SHA256.HashData("ops-key"u8))}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await app.StartAsync();
        try
        {
            var address = new Uri(app.BoundAddress());
            Assert.Equal("https", address.Scheme);
            using var trusting = new HttpClient(new HttpClientHandler
            {
                // This certificate only, not the machine's trust store.
                ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented is not null && presented.RawData.AsSpan().SequenceEqual(certificate.RawData),
            }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/status") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "ops-key") } };
            Assert.Equal(HttpStatusCode.OK, (await trusting.SendAsync(request)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await trusting.GetAsync("/api/v1/status")).StatusCode);

            using var untrusting = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
            await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync("/healthz"));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("Users:writer:Role", "owner", "ActorDispatch:Auth:Users:writer:Role must be reader, writer or admin")]
    [InlineData("ApiKeys:ci:Sha256", "xyz", "ActorDispatch:Auth:ApiKeys:ci:Sha256 must be")]
    [InlineData("ApiKeys:ci:Sha256", "zz00000000000000000000000000000000000000000000000000000000000000", "ActorDispatch:Auth:ApiKeys:ci:Sha256 is not hexadecimal")]
    [InlineData("ApiKeys:ci:Role", "root", "ActorDispatch:Auth:ApiKeys:ci:Role must be")]
    [InlineData("Users:ghost:Role", "reader", "user 'ghost' is not in ActorDispatch:Auth:PasswordFile")]
    [InlineData("AllowAnonymous", "yes", "ActorDispatch:Auth:AllowAnonymous must be true or false")]
    public void A_bad_setting_fails_at_start_naming_it(string key, string value, string message)
    {
        var file = PasswordFileOf($"writer:{BCrypt.Net.BCrypt.HashPassword("x", 4)}");
        var error = Assert.Throws<InvalidOperationException>(() => Settings(("PasswordFile", file), ("ApiKeys:ci:Sha256", new string('0', 64)), (key, value)));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void A_malformed_or_missing_password_file_fails_at_start_naming_the_line()
    {
        var hash = BCrypt.Net.BCrypt.HashPassword("secret", 4);
        var malformed = Assert.Throws<InvalidOperationException>(() => Settings(("PasswordFile", PasswordFileOf($"a:{hash}", "# comment", "b:plaintext"))));
        Assert.Contains("ActorDispatch:Auth:PasswordFile: line 3", malformed.Message);
        Assert.DoesNotContain("plaintext", malformed.Message);
        Assert.Contains("line 2", Assert.Throws<InvalidOperationException>(() => Settings(("PasswordFile", PasswordFileOf($"a:{hash}", hash)))).Message);
        Assert.Contains("line 2", Assert.Throws<InvalidOperationException>(() => Settings(("PasswordFile", PasswordFileOf($"a:{hash}", $"a:{hash}")))).Message);

        var missing = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}");
        var error = Assert.Throws<InvalidOperationException>(() => Settings(("PasswordFile", missing)));
        Assert.Contains("ActorDispatch:Auth:PasswordFile: cannot read", error.Message);
    }

    [Fact]
    public void Defaults_are_admin_of_every_namespace_and_auth_is_off_without_credentials()
    {
        Assert.False(Settings().Enabled);
        var settings = Settings(("ApiKeys:ci:Sha256", new string('a', 64)), ("ApiKeys:ro:Sha256", new string('b', 64)),
            ("ApiKeys:ro:Role", "Reader"), ("ApiKeys:ro:Namespaces", " a, b ,"));
        Assert.True(settings.Enabled);
        Assert.Equal(new AuthPrincipal("ci", Role.Admin, null), settings.ApiKeys[0].Principal);
        Assert.Equal(Role.Reader, settings.ApiKeys[1].Principal.Role);
        Assert.Equal(["a", "b"], settings.ApiKeys[1].Principal.Namespaces!.Order());
    }

    [Fact]
    public void The_password_cache_holds_only_the_verified_password_and_forgets_it()
    {
        var clock = new ManualClock();
        var cache = new VerifiedPasswordCache(clock, capacity: 2, ttl: TimeSpan.FromMinutes(1));
        cache.Add("u", "right");
        Assert.True(cache.Contains("u", "right"));
        Assert.False(cache.Contains("u", "wrong"));
        Assert.False(cache.Contains("v", "right"));
        cache.Add("v", "p");
        cache.Add("w", "p");
        Assert.Equal(2, cache.Count);
        clock.Now += TimeSpan.FromMinutes(2);
        Assert.False(cache.Contains("w", "p"));
    }

    private static AuthSettings Settings(params (string Key, string Value)[] values) =>
        AuthSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(values.GroupBy(v => v.Key).Select(g => KeyValuePair.Create($"ActorDispatch:Auth:{g.Key}", (string?)g.Last().Value)))
            .Build());

    private static string PasswordFileOf(params string[] lines)
    {
        var path = Path.Combine(Path.GetTempPath(), "actordispatch-tests", $"htpasswd-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static string TempDatabase() => Path.Combine(Path.GetTempPath(), "actordispatch-tests", $"unused-{Guid.NewGuid():N}.db");

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // server auth
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    private static async Task AssertOpens(Uri uri, AuthenticationHeaderValue? auth)
    {
        using var ws = await WebSockets.ConnectAsync(uri, Authorization(auth));
        Assert.Equal(WebSocketState.Open, ws.State);
        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static (string, string)? Authorization(AuthenticationHeaderValue? auth) => auth is null ? null : ("Authorization", auth.ToString());
}
