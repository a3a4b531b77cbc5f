import { randomInt } from 'node:crypto';

const adjectives = ['able', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'eager', 'fair', 'gentle', 'glad', 'grand', 'honest', 'keen', 'kind', 'lucky', 'merry', 'nimble', 'proud', 'quick', 'quiet', 'rare', 'sharp', 'shy', 'silent', 'smooth', 'steady', 'sunny', 'swift', 'tidy', 'vast', 'wise'];
const nouns = ['ant', 'bass', 'bear', 'bird', 'cat', 'colt', 'crab', 'crow', 'deer', 'doe', 'dove', 'duck', 'eel', 'elk', 'fawn', 'finch', 'fox', 'frog', 'goat', 'hare', 'hawk', 'hen', 'lark', 'lynx', 'mole', 'moth', 'owl', 'ram', 'seal', 'slug', 'snail', 'wolf'];

/** MLflow-style generated run name: "adjective-noun-NNN". */
export function generateRunName(): string {
  return `${adjectives[randomInt(adjectives.length)]}-${nouns[randomInt(nouns.length)]}-${randomInt(1000)}`;
}
