using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorDispatch.Transports.Webhooks.Sending;

/// <summary>A named TLS configuration with its files loaded, ready to shape a connection handler.</summary>
internal sealed class TlsMaterial
{
    private readonly X509Certificate2Collection? _roots;
    private readonly X509Certificate2? _clientCertificate;
    private readonly bool _insecure;

    private TlsMaterial(X509Certificate2Collection? roots, X509Certificate2? clientCertificate, bool insecure)
    {
        _roots = roots;
        _clientCertificate = clientCertificate;
        _insecure = insecure;
    }

    /// <summary>Reads the files once; a missing or unreadable file fails here, naming the configuration.</summary>
    public static TlsMaterial Load(string name, WebhookTlsConfig config)
    {
        try
        {
            X509Certificate2Collection? roots = null;
            if (config.CaFile is { } ca)
            {
                roots = [];
                roots.ImportFromPemFile(ca);
                if (roots.Count == 0) throw new CryptographicException($"no certificate in '{ca}'");
            }
            X509Certificate2? client = null;
            if (config.CertFile is not null || config.KeyFile is not null)
            {
                if (config.CertFile is null || config.KeyFile is null) throw new CryptographicException("cert-file and key-file go together");
                client = X509Certificate2.CreateFromPemFile(config.CertFile, config.KeyFile);
            }
            return new TlsMaterial(roots, client, config.InsecureSkipVerify);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ActorDispatchException(ErrorKind.BadRequest, "AD10100",
                $"invalid 'actordispatch.transports.webhooks.tls.{name}': {ex.Message}", ex);
        }
    }

    public void Apply(SslClientAuthenticationOptions ssl)
    {
        if (_clientCertificate is not null) ssl.ClientCertificates = [_clientCertificate];
        if (_insecure)
        {
            ssl.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (_roots is not null)
        {
            // Only the configured CAs are trusted, as with FireFly's caFile; host names are still checked.
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(_roots);
            ssl.CertificateChainPolicy = policy;
        }
    }
}
