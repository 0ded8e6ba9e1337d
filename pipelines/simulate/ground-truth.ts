// What the simulator planted, counted as it goes: the yardstick for evaluator recall on simulated
// traffic and for the planted-rate tests.
import type { EventKind } from '../../contracts/events.ts';
import type { Plant, PlantCategory } from './content/plants.ts';
import { PLANTS } from './content/plants.ts';

export interface PlantSummary {
  category: PlantCategory;
  planted: number;
  /** ok outputs of the apps this plant may appear in */
  eligible: number;
  configured_rate: number;
  observed_rate: number;
}

export interface GroundTruthSummary {
  events: Record<EventKind, number>;
  feedback: { up: number; down: number; down_on_wrong_answers: number; rated_wrong_answers: number };
  outputs_with_plants: number;
  by_category: Record<PlantCategory, number>;
  by_plant: Record<string, PlantSummary>;
  by_model: Record<string, Record<PlantCategory, number>>;
}

export class GroundTruth {
  private readonly rates: Map<string, number>;
  private readonly events: Record<EventKind, number> = { usage: 0, outputs: 0, feedback: 0 };
  private readonly eligibleByApp = new Map<string, number>();
  private readonly plantedById = new Map<string, number>();
  private readonly byModel = new Map<string, Record<PlantCategory, number>>();
  private readonly fb = { up: 0, down: 0, down_on_wrong_answers: 0, rated_wrong_answers: 0 };

  constructor(rates: Map<string, number>) {
    this.rates = rates;
  }

  count(kind: EventKind): void {
    this.events[kind]++;
  }

  eligible(app: string): void {
    this.eligibleByApp.set(app, (this.eligibleByApp.get(app) ?? 0) + 1);
  }

  planted(plant: Plant, _app: string, model: string): void {
    this.plantedById.set(plant.id, (this.plantedById.get(plant.id) ?? 0) + 1);
    const row = this.byModel.get(model) ?? { hallucinated_citation: 0, off_policy: 0, leakage: 0, benign: 0 };
    row[plant.category]++;
    this.byModel.set(model, row);
  }

  feedback(down: boolean, wrongAnswer: boolean): void {
    if (down) this.fb.down++;
    else this.fb.up++;
    if (wrongAnswer) {
      this.fb.rated_wrong_answers++;
      if (down) this.fb.down_on_wrong_answers++;
    }
  }

  summary(): GroundTruthSummary {
    const byPlant: Record<string, PlantSummary> = {};
    const byCategory: Record<PlantCategory, number> = { hallucinated_citation: 0, off_policy: 0, leakage: 0, benign: 0 };
    let risky = 0;
    for (const plant of PLANTS) {
      const planted = this.plantedById.get(plant.id) ?? 0;
      const eligible = plant.apps.reduce((s, app) => s + (this.eligibleByApp.get(app) ?? 0), 0);
      byPlant[plant.id] = {
        category: plant.category,
        planted,
        eligible,
        configured_rate: this.rates.get(plant.id) ?? plant.rate,
        observed_rate: eligible > 0 ? planted / eligible : 0,
      };
      byCategory[plant.category] += planted;
      if (plant.category !== 'benign') risky += planted;
    }
    return {
      events: { ...this.events },
      feedback: { ...this.fb },
      outputs_with_plants: risky,
      by_category: byCategory,
      by_plant: byPlant,
      by_model: Object.fromEntries(this.byModel),
    };
  }
}
