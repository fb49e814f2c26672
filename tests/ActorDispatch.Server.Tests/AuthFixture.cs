using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ActorDispatch.Server.Tests;

/// <summary>
/// The real server on 127.0.0.1 with authentication: a temporary password file (bcrypt hashes made
/// here) of a reader, a writer, an admin and an admin of one namespace, and a reader API key.
/// </summary>
public sealed class AuthFixture : IAsyncLifetime
{
    public const string Password = "correct horse battery staple";
    public const string ScopedNamespace = "scoped1";
    public static readonly string ReaderKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "actordispatch-tests", $"auth-{Guid.NewGuid():N}");
    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var passwordFile = Path.Combine(_directory, "htpasswd");
        // Cost 4 keeps the tests quick; "reader" gets the $2y$ prefix htpasswd writes.
        var hash = BCrypt.Net.BCrypt.HashPassword(Password, 4);
        await File.WriteAllLinesAsync(passwordFile, [
            "# made by the test",
            $"reader:{"$2y$" + hash[4..]}",
            $"writer:{hash}",
            $"admin:{BCrypt.Net.BCrypt.HashPassword(Password, 4)}",
            "",
            $"scoped:{hash}",
        ]);
        _app = ServerApp.Build([
            "--urls", "http://127.0.0.1:0",
            $"--ActorDispatch:Storage:Sqlite={Path.Combine(_directory, "server.db")}",
            $"--ActorDispatch:Auth:PasswordFile={passwordFile}",
            "--ActorDispatch:Auth:Users:reader:Role=reader",
            "--ActorDispatch:Auth:Users:writer:Role=writer",
            $"--ActorDispatch:Auth:Users:scoped:Namespaces={ScopedNamespace}, other1",
            $"--ActorDispatch:Auth:ApiKeys:dashboard:Sha256={Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ReaderKey))).ToLowerInvariant()}",
            "--ActorDispatch:Auth:ApiKeys:dashboard:Role=reader",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await _app.StartAsync();
        BaseAddress = new Uri(_app.BoundAddress());
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
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment; the temp directory is cleaned up eventually
        }
    }

    public static AuthenticationHeaderValue Basic(string user, string password = Password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, AuthenticationHeaderValue? auth, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = auth;
        if (json is not null) request.Content = ServerFixture.Body(json);
        return await Http.SendAsync(request);
    }
}
