/** The fake nodes a sandbox starts with: kwok keeps them Ready; their nodeInfo is what learners list. */
export interface NodeFlavour {
  arch: 'amd64' | 'arm64';
  osImage: string;
  kernelVersion: string;
}

const FLAVOURS: NodeFlavour[] = [
  { arch: 'amd64', osImage: 'Ubuntu 24.04.3 LTS', kernelVersion: '6.8.0-79-generic' },
  { arch: 'arm64', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-37-arm64' },
  { arch: 'amd64', osImage: 'Flatcar Container Linux by Kinvolk 4230.2.2 (Oklo)', kernelVersion: '6.6.100-flatcar' },
  { arch: 'arm64', osImage: 'Amazon Linux 2023.8.20250818', kernelVersion: '6.1.147-172.266.amzn2023.aarch64' },
];

export function fakeNode(index: number, kubernetesVersion: string): Record<string, unknown> {
  const f = FLAVOURS[index % FLAVOURS.length]!;
  const name = `kwok-node-${index + 1}`;
  const resources = { cpu: '16', memory: '64Gi', pods: '500', 'ephemeral-storage': '200Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/arch': f.arch,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': name,
        'node-role.kubernetes.io/worker': '',
        type: 'kwok',
      },
    },
    spec: {},
    status: {
      allocatable: resources,
      capacity: resources,
      addresses: [
        { type: 'InternalIP', address: `10.240.0.${index + 10}` },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        architecture: f.arch,
        operatingSystem: 'linux',
        osImage: f.osImage,
        kernelVersion: f.kernelVersion,
        kubeletVersion: `v${kubernetesVersion}`,
        kubeProxyVersion: '',
        containerRuntimeVersion: 'containerd://2.1.4',
        machineID: '',
        systemUUID: '',
        bootID: '',
      },
    },
  };
}
