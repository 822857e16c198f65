"""What the benchmarks share: secret files as bckeys writes them, made with the age command."""
import hashlib, os, subprocess

def keypair(d):
    """A new identity in d/id.agekey, and its recipient."""
    path = os.path.join(d, "id.agekey")
    subprocess.run(["age-keygen", "-o", path], stderr=subprocess.DEVNULL, check=True)
    return subprocess.run(["age-keygen", "-y", path], capture_output=True, text=True, check=True).stdout.strip()

def fingerprint(recipient):
    """The state's fingerprint of a one-recipient set."""
    return "sha256:" + hashlib.sha256(recipient.encode()).hexdigest()[:32]

def account_file(d, recipient, address, store_hash, name, client_id, token, params):
    """Writes the secret file of a store-level API account; returns its path in the repository
    and its SHA-256, as the state records them."""
    rel = f"secrets/{address}.age"
    plain = (f"address: {address}\nkind: store_api_account\nstore_hash: {store_hash}\nname: {name}\nclient_id: {client_id}\n"
             f"client_secret: sec-{client_id}\naccess_token: {token}\napi_path: x/stores/{store_hash}/v3/\nscopes: [{', '.join(params)}]\n"
             "created_at: '2026-11-01T00:00:00Z'\n")
    path = os.path.join(d, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    subprocess.run(["age", "-a", "-r", recipient, "-o", path], input=plain.encode(), check=True)
    with open(path, "rb") as f:
        return rel, hashlib.sha256(f.read()).hexdigest()
