using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorDispatch.Transports.Webhooks.Tests.Support;

/// <summary>
/// A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, both issued by
/// the CA, with PEM files for the transport's TLS configurations.
/// </summary>
public sealed class TestCertificates
{
    private TestCertificates(X509Certificate2 server, string caFile, string clientCertFile, string clientKeyFile)
    {
        Server = server;
        CaFile = caFile;
        ClientCertFile = clientCertFile;
        ClientKeyFile = clientKeyFile;
    }

    public X509Certificate2 Server { get; }

    public string CaFile { get; }

    public string ClientCertFile { get; }

    public string ClientKeyFile { get; }

    public const string ClientSubject = "CN=webhooks-test-client";

    public static TestCertificates Create()
    {
        var dir = Path.Combine(Path.GetTempPath(), "actordispatch-webhooks-tests", $"tls-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var now = DateTimeOffset.UtcNow;

        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=webhooks-test-ca", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        var server = Issue(ca, "CN=127.0.0.1", now, serverAuth: true);
        var client = Issue(ca, ClientSubject, now, serverAuth: false);

        var caFile = Path.Combine(dir, "ca.pem");
        File.WriteAllText(caFile, ca.ExportCertificatePem());
        var certFile = Path.Combine(dir, "client.pem");
        File.WriteAllText(certFile, client.ExportCertificatePem());
        var keyFile = Path.Combine(dir, "client.key");
        File.WriteAllText(keyFile, client.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        // Kestrel wants a certificate whose key it can use on every platform: round-trip through PKCS#12.
        return new TestCertificates(X509CertificateLoader.LoadPkcs12(server.Export(X509ContentType.Pfx), null), caFile, certFile, keyFile);
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, DateTimeOffset now, bool serverAuth)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [serverAuth ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), serial);
        return issued.CopyWithPrivateKey(key);
    }
}
